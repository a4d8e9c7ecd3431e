package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.CommitMarker;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.Stage;
import dev.ferry.schemas.TransactionMarker;
import dev.ferry.schemas.TransactionStatus;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Debezium's batches and publishes them to Ferry's topics.
 *
 * <p><b>Nothing lost.</b> A record is marked processed only after Kafka acknowledged it (and every
 * record before it), so the position Debezium stores never runs ahead of what Kafka holds: after a
 * crash events may be sent again, never lost. Downstream stages deduplicate.
 *
 * <p><b>Keys.</b> A change is keyed by its header key ({@link HeaderKeys}), so an order and its lines
 * go to the same partition number of their topics.
 *
 * <p><b>Commit markers.</b> When a transaction ends, and after Kafka acknowledged its events, a
 * {@link ChangeOp#COMMIT} marker is written into every topic partition that received events of the
 * transaction, behind them. It tells the stream processor that the transaction's events in that
 * partition are complete, and how many topics of that partition number carry a marker. A transaction
 * that began before this process started (Debezium resumed inside it) is marked in every partition of
 * every CDC topic, because the partitions of its earlier events are not known here.
 */
final class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
  private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);

  /** A change event larger than this is dead-lettered: room is left for the key and the record batch's framing. */
  private static final int LARGEST_CHANGE = FerryTopics.MAX_MESSAGE_BYTES - 64 * 1024;

  private final Producer<byte[], byte[]> producer;
  private final FerryTopics topics;
  private final String debeziumTransactionTopic;
  private final HeaderKeys headerKeys;
  private final List<String> cdcTopics;
  private final ChangeEventConverter converter = new ChangeEventConverter();
  /** Partitions that received events of each open transaction begun in this process. */
  private final Map<String, Set<TopicPartition>> openTransactions = new HashMap<>();
  private final AtomicLong published = new AtomicLong();

  ChangePublisher(final Producer<byte[], byte[]> producer, final FerryTopics topics,
      final String debeziumTransactionTopic, final HeaderKeys headerKeys, final List<String> cdcTopics) {
    this.producer = producer;
    this.topics = topics;
    this.debeziumTransactionTopic = debeziumTransactionTopic;
    this.headerKeys = headerKeys;
    this.cdcTopics = List.copyOf(cdcTopics);
  }

  /** What one Debezium record became: the record to send, and the change it carries (null for a marker). */
  private record Outgoing(ProducerRecord<byte[], byte[]> record, String txId, TransactionMarker marker,
      ChangeEvent change) {
  }

  @Override
  public void handleBatch(final List<RecordChangeEvent<SourceRecord>> records,
      final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
    final List<Outgoing> outgoing = new ArrayList<>(records.size());
    final List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
    for (final RecordChangeEvent<SourceRecord> r : records) {
      final Outgoing out = toKafka(r.record());
      outgoing.add(out);
      sent.add(out == null ? null : producer.send(out.record()));
    }
    for (int i = 0; i < records.size(); i++) {
      final Future<RecordMetadata> f = sent.get(i);
      if (f != null) {
        final RecordMetadata meta = awaitOrDeadLetter(f, outgoing.get(i));
        if (meta == null) {
          committer.markProcessed(records.get(i));
          continue;
        }
        published.incrementAndGet();
        final Outgoing out = outgoing.get(i);
        if (out.marker() != null) {
          onTransactionMarker(out.marker());
        } else if (out.txId() != null) {
          openTransactions.computeIfAbsent(out.txId(), t -> new HashSet<>())
              .add(new TopicPartition(meta.topic(), meta.partition()));
        }
      }
      committer.markProcessed(records.get(i));
    }
    committer.markBatchFinished();
  }

  private void onTransactionMarker(final TransactionMarker marker) throws InterruptedException {
    if (marker.getStatus() == TransactionStatus.BEGIN) {
      openTransactions.put(marker.getTxId(), new HashSet<>());
      return;
    }
    final Set<TopicPartition> touched = openTransactions.remove(marker.getTxId());
    final Set<TopicPartition> targets;
    if (touched != null) {
      targets = touched;
    } else {
      LOG.info("transaction {} began before this capture started; marking its end in every partition",
          marker.getTxId());
      targets = new HashSet<>();
      for (final String topic : cdcTopics) {
        final int count = producer.partitionsFor(topic).size();
        for (int p = 0; p < count; p++) {
          targets.add(new TopicPartition(topic, p));
        }
      }
    }
    final Map<Integer, Integer> topicsPerPartition = new HashMap<>();
    targets.forEach(tp -> topicsPerPartition.merge(tp.partition(), 1, Integer::sum));
    final List<Future<RecordMetadata>> markers = new ArrayList<>(targets.size());
    for (final TopicPartition tp : targets) {
      final ChangeEvent commit = ChangeEvent.newBuilder()
          .setOp(ChangeOp.COMMIT)
          .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("").setTable("")
              .setLsn(marker.getCommitLsn()).setTxId(marker.getTxId()).setSnapshot(false)
              .setTsMs(marker.getTsMs()).build())
          .setKey(List.of())
          .setCommit(new CommitMarker(marker.getCommitLsn(), topicsPerPartition.get(tp.partition())))
          .build();
      markers.add(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), bytes("commit:" + marker.getTxId()),
          topics.changeSerde().encode(tp.topic(), commit))));
    }
    for (final Future<RecordMetadata> m : markers) {
      await(m);
    }
  }

  /**
   * Waits for Kafka's acknowledgement of {@code out}. A change Kafka refuses as too large (a topic made with a
   * lower limit than {@link FerryTopics#MAX_MESSAGE_BYTES}) is dead-lettered instead, and null returned.
   */
  private RecordMetadata awaitOrDeadLetter(final Future<RecordMetadata> f, final Outgoing out)
      throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RecordTooLargeException && out.change() != null) {
        deadLetterTooLarge(out.change(), out.record().value().length, out.record().topic(),
            "Kafka refused it: " + e.getCause().getMessage());
        return null;
      }
      throw new IllegalStateException("Kafka did not accept a change event; the capture stops without "
          + "advancing its position, so nothing is lost: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static RecordMetadata await(final Future<RecordMetadata> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka did not accept a change event; the capture stops without "
          + "advancing its position, so nothing is lost: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private Outgoing toKafka(final SourceRecord record) throws InterruptedException {
    if (!(record.value() instanceof Struct value)) {
      return null;
    }
    if (record.topic().equals(debeziumTransactionTopic)) {
      final TransactionMarker marker = converter.transaction(value);
      final String topic = topics.transactions().name();
      return new Outgoing(new ProducerRecord<>(topic, bytes(marker.getTxId()),
          topics.transactions().valueSerde().serializer().serialize(topic, marker)), marker.getTxId(), marker, null);
    }
    final ChangeEvent change = converter.change((Struct) record.key(), value);
    if (change == null) {
      LOG.debug("ignoring non-change record on {}", record.topic());
      return null;
    }
    final String table = change.getSource().getSchema$() + "." + change.getSource().getTable();
    String key = headerKeys.of(change);
    if (key == null) {
      key = Columns.keyText(change.getKey());
      LOG.warn("{} change with key {} carries no header key columns (a delete without REPLICA IDENTITY FULL?); "
          + "keyed by its primary key instead", table, key);
    }
    final String topic = topics.cdc(table).name();
    final byte[] encoded = topics.changeSerde().encode(topic, change);
    if (encoded.length > LARGEST_CHANGE) {
      deadLetterTooLarge(change, encoded.length, topic, "larger than the " + FerryTopics.MAX_MESSAGE_BYTES
          + " bytes Ferry's topics take");
      return null;
    }
    return new Outgoing(new ProducerRecord<>(topic, bytes(key), encoded), change.getSource().getTxId(), null, change);
  }

  /**
   * Sends a dead letter (stage CAPTURE) for a change too large to publish, naming its largest column and the
   * sizes, and waits for Kafka to take it: the change is then passed over, never silently. It carries no
   * original bytes (they would not fit either); the resolution says how to send the row again.
   */
  private void deadLetterTooLarge(final ChangeEvent change, final int bytes, final String topic, final String why)
      throws InterruptedException {
    final ColumnValue largest = largestColumn(change);
    final String size = largest == null ? "?" : String.format(java.util.Locale.ROOT, "%,d", sizeOf(largest));
    final DeadLetter letter = DeadLetters.of(Stage.CAPTURE, topic, -1, -1L, null, null, change,
        List.of(DeadLetters.error("capture.too-large", largest == null ? null : largest.getName(),
            largest == null ? null : size + " bytes",
            String.format(java.util.Locale.ROOT, "the change is %,d bytes, %s; its largest column %s holds %s bytes",
                bytes, why, largest == null ? "?" : largest.getName(), size),
            "raise max.message.bytes of " + topic + " and the producers' max.request.size, or leave the column out "
                + "of legacy.tables' capture; then touch the row (UPDATE .. SET col = col) to send it again")), null);
    LOG.warn("dead letter: {} change of {} key {} is {} bytes ({}); capture goes on without it", change.getOp(),
        letter.getSourceTable(), letter.getSourceKey(), bytes, why);
    final String deadLetterTopic = topics.deadLetter().name();
    await(producer.send(new ProducerRecord<>(deadLetterTopic, letter.getSourceKey() == null ? null : bytes(letter.getSourceKey()),
        topics.deadLetter().valueSerde().serializer().serialize(deadLetterTopic, letter))));
  }

  private static ColumnValue largestColumn(final ChangeEvent change) {
    ColumnValue largest = null;
    for (final List<ColumnValue> row : java.util.Arrays.asList(change.getAfter(), change.getBefore())) {
      if (row == null) {
        continue;
      }
      for (final ColumnValue c : row) {
        if (largest == null || sizeOf(c) > sizeOf(largest)) {
          largest = c;
        }
      }
    }
    return largest;
  }

  private static long sizeOf(final ColumnValue c) {
    final Object v = c.getValue();
    if (v instanceof CharSequence text) {
      return text.toString().getBytes(StandardCharsets.UTF_8).length;
    }
    if (v instanceof java.nio.ByteBuffer b) {
      return b.remaining();
    }
    return v == null ? 0 : 8;
  }

  private static byte[] bytes(final String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Events acknowledged by Kafka so far (changes and transaction markers). */
  long published() {
    return published.get();
  }

}
