package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.CommitMarker;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.SnapshotSweep;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.TransactionMarker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records the capture writes into its CDC topics besides the changes: a transaction's commit markers behind its
 * events, the end of a snapshot behind its rows, and progress marks ({@link ProgressMarks}). Each is addressed to an
 * explicit partition, so that it lands behind what it marks; {@link ChangePublisher} sends them in the batch's Kafka
 * transaction.
 */
final class MarkRecords {
  private final FerryTopics topics;
  private final List<String> cdcTopics;
  private final ToIntFunction<String> partitionCount;

  /** @param partitionCount the partitions of a topic */
  MarkRecords(final FerryTopics topics, final List<String> cdcTopics, final ToIntFunction<String> partitionCount) {
    this.topics = topics;
    this.cdcTopics = List.copyOf(cdcTopics);
    this.partitionCount = partitionCount;
  }

  /** Every partition of every CDC topic: where a transaction that began before this capture started is marked. */
  Set<TopicPartition> everyPartition() {
    final Set<TopicPartition> all = new HashSet<>();
    for (final String topic : cdcTopics) {
      for (int p = 0; p < partitionCount.applyAsInt(topic); p++) {
        all.add(new TopicPartition(topic, p));
      }
    }
    return all;
  }

  /**
   * The commit markers of the transaction {@code marker} ended, one into each of {@code targets}, each counting how
   * many topics of its partition number receive one; {@code echo}: a Ferry sink wrote the transaction.
   */
  List<ProducerRecord<byte[], byte[]>> commit(final TransactionMarker marker, final Set<TopicPartition> targets,
      final boolean echo) {
    final Map<Integer, Integer> topicsPerPartition = new HashMap<>();
    targets.forEach(tp -> topicsPerPartition.merge(tp.partition(), 1, Integer::sum));
    final byte[] key = bytes("commit:" + marker.getTxId());
    final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(targets.size());
    for (final TopicPartition tp : targets) {
      final ChangeEvent commit = ChangeEvent.newBuilder()
          .setOp(ChangeOp.COMMIT)
          .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("").setTable("")
              .setLsn(marker.getCommitLsn()).setTxId(marker.getTxId()).setSnapshot(false)
              .setTsMs(marker.getTsMs()).build())
          .setKey(List.of())
          .setCommit(new CommitMarker(marker.getCommitLsn(), topicsPerPartition.get(tp.partition()), echo))
          .build();
      out.add(new ProducerRecord<>(tp.topic(), tp.partition(), key, topics.changeSerde().encode(tp.topic(), commit)));
    }
    return out;
  }

  /**
   * A sweep marker into every partition of the CDC topic of each of {@code tables} (those this capture writes), at
   * the end of the snapshot {@code ended} ({@link SnapshotEnds}), written at {@code nowMs}.
   */
  List<ProducerRecord<byte[], byte[]>> snapshotEnd(final SnapshotEnds.Ended ended, final List<String> tables,
      final long nowMs) {
    final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    final byte[] key = bytes("sweep:" + ended.id());
    for (final String table : tables) {
      final String topic = topics.cdc(table).name();
      final int partitions = partitionCount.applyAsInt(topic);
      final int dot = table.indexOf('.');
      for (int p = 0; p < partitions; p++) {
        final ChangeEvent marker = ChangeEvent.newBuilder()
            .setOp(ChangeOp.SWEEP)
            .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$(table.substring(0, dot))
                .setTable(table.substring(dot + 1)).setLsn(ended.version()).setSnapshot(false).setTsMs(nowMs).build())
            .setKey(List.of())
            .setSweep(new SnapshotSweep(ended.id(), tables, ended.version(), p, partitions))
            .build();
        out.add(new ProducerRecord<>(topic, p, key, topics.changeSerde().encode(topic, marker)));
      }
    }
    return out;
  }

  /** A progress mark of {@code tsMs} into every partition of every CDC topic ({@link ProgressMarks}). */
  List<ProducerRecord<byte[], byte[]>> progress(final long tsMs) {
    final ChangeEvent mark = ProgressMarks.mark(tsMs);
    final byte[] key = bytes("progress");
    final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (final String topic : cdcTopics) {
      final byte[] encoded = topics.changeSerde().encode(topic, mark);
      for (int p = 0; p < partitionCount.applyAsInt(topic); p++) {
        out.add(new ProducerRecord<>(topic, p, key, encoded));
      }
    }
    return out;
  }

  private static byte[] bytes(final String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
