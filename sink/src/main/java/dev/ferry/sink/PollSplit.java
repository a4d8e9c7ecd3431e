package dev.ferry.sink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * One poll of the apply topic split by writer, on the consumer thread: each partition's records go to the writer
 * that holds the partition ({@link PartitionHolders#writerFor}: one writer at a time per partition, in order; a
 * partition with nothing in flight to the least loaded writer that takes a batch now), up to the end of the last
 * complete group ({@link CompleteGroups}: a group's tail waits for the next poll).
 */
final class PollSplit {
  private PollSplit() {
  }

  /** The batch and next offsets of each writer that gets any of {@code records}. */
  static Map<SinkWriter, SinkWriter.Prepared> byWriter(final ConsumerRecords<String, byte[]> records,
      final SinkWriter[] writers, final PartitionHolders holders, final CompleteGroups groups) {
    final Map<SinkWriter, SinkWriter.Prepared> byWriter = new HashMap<>();
    for (final TopicPartition tp : records.partitions()) {
      final SinkWriter writer = writers[holders.writerFor(tp, w -> writers[w].accepts(), w -> {
        final SinkWriter.Prepared already = byWriter.get(writers[w]);
        return already == null ? 0 : already.batch().size();
      })];
      final SinkWriter.Prepared prepared = byWriter.computeIfAbsent(writer,
          w -> new SinkWriter.Prepared(new ArrayList<>(), new HashMap<>()));
      final CompleteGroups.Taken taken = groups.take(tp, records.records(tp));
      prepared.batch().addAll(taken.records());
      if (taken.next() >= 0) {
        prepared.next().put(tp, taken.next());
      }
    }
    byWriter.values().removeIf(p -> p.batch().isEmpty() && p.next().isEmpty());
    return byWriter;
  }
}
