package dev.ferry.sink;

import dev.ferry.schemas.LostRecords;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sink does when the apply topic no longer holds the offset it is to read on: Kafka deleted records
 * before the sink applied them (retention ran out while the sink was stopped, held at a cutover, or far behind), or
 * the topic was deleted and created again. The sink's consumer runs with {@code auto.offset.reset = none}, so that
 * this comes here instead of Kafka moving the consumer on without a word (with {@code earliest} it did: the changes
 * in the gap were lost and nothing said so).
 *
 * <p>A gap is logged as an error with what repairs it, counted ({@code ferry_sink_records_lost_total}) and recorded
 * in the run history ({@code records-lost}); then the sink goes on from the oldest record left: stopping would not
 * bring the records back, and the changes after the gap are as good as ever. A position beyond the partition's end
 * (the topic created again) is read from the partition's start, as Kafka would, with a warning.
 */
final class DeletedBeforeApplied {
  private static final Logger LOG = LoggerFactory.getLogger(DeletedBeforeApplied.class);

  private final String group;
  private final SinkRuns runs;

  DeletedBeforeApplied(final String group, final SinkRuns runs) {
    this.group = group;
    this.runs = runs;
  }

  /** Moves each partition {@code e} names to where reading can go on, after saying what was lost. */
  void goOn(final Consumer<String, byte[]> consumer, final OffsetOutOfRangeException e) {
    final Map<TopicPartition, Long> at = e.offsetOutOfRangePartitions();
    final Map<TopicPartition, Long> oldest = consumer.beginningOffsets(at.keySet(), Duration.ofSeconds(30));
    final Map<TopicPartition, Long> ends = consumer.endOffsets(at.keySet(), Duration.ofSeconds(30));
    for (final LostRecords lost : LostRecords.between(at, oldest)) {
      LOG.error("sink {}: {}. Repair: read the legacy tables whose changes were among them again (ferry resnapshot "
          + "--table schema.table ..., every captured table unless you know which); the sink goes on from offset {}",
          group, lost.describe("the sink " + group), lost.to());
      runs.lost(lost);
    }
    at.forEach((tp, position) -> {
      final long first = oldest.get(tp);
      final long end = ends.get(tp);
      if (position > end) {
        LOG.warn("sink {}: {} ends at offset {}, before offset {} where the sink was to read on: the topic was "
            + "deleted and created again, or cut short; reading it from offset {}", group, tp, end, position, first);
        consumer.seek(tp, first);
      } else {
        consumer.seek(tp, Math.max(first, position));
      }
    });
  }
}
