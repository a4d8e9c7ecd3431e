package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Records of a topic that Kafka deleted before a stage of Ferry read them: the topic's retention ran out while the
 * stage was stopped, held or far behind, or someone deleted them on purpose. The changes they held never reach the
 * target. Kafka's consumers move on to the oldest record left without a word ({@code auto.offset.reset}); Ferry's
 * stages find such a gap instead, say where it is and what repairs it (the legacy tables read again:
 * {@code ferry resnapshot}), count it and record it in the run history.
 *
 * @param partition the topic partition
 * @param from the first offset the stage had not read
 * @param to the oldest offset left, the end of the gap (exclusive)
 */
public record LostRecords(TopicPartition partition, long from, long to) {
  /** Offsets in the gap: the records, and Kafka's transaction markers, which take offsets too. */
  public long count() {
    return to - from;
  }

  /** The gap in words, for a log line: {@code stage} is who did not read them, e.g. "processor ferry-processor". */
  public String describe(final String stage) {
    return String.format(Locale.ROOT, "offsets %,d to %,d of %s (%,d records and transaction markers) were deleted by "
        + "Kafka before %s read them (the topic's retention ran out, or they were deleted on purpose); the changes "
        + "they held will not reach the target", from, to - 1, partition, count(), stage);
  }

  /**
   * The gap as a run history entry's figures, with who lost it ({@code by}, e.g. "group", and its {@code name}).
   */
  public Map<String, Object> historyCounts(final String by, final String name) {
    return Map.of(by, name, "topic", partition.topic(), "partition", partition.partition(), "from", from, "to", to);
  }

  /** The gap as a run history entry's summary: {@code stage} deleted records before {@code verb} them. */
  public String historySummary(final String stage, final String verb) {
    return String.format(Locale.ROOT, "%s: %,d records of %s deleted by Kafka before it %s them (offsets %,d to %,d)",
        stage, count(), partition, verb, from, to - 1);
  }

  /**
   * The gaps between where a stage is to read on ({@code positions}) and the oldest offsets its partitions still
   * hold ({@code oldest}), in partition order; empty when every position is still held.
   */
  public static List<LostRecords> between(final Map<TopicPartition, Long> positions,
      final Map<TopicPartition, Long> oldest) {
    final List<LostRecords> out = new ArrayList<>();
    positions.forEach((tp, at) -> {
      final Long first = oldest.get(tp);
      if (at != null && first != null && at < first) {
        out.add(new LostRecords(tp, at, first));
      }
    });
    out.sort(Comparator.comparing((LostRecords l) -> l.partition().topic())
        .thenComparingInt(l -> l.partition().partition()));
    return out;
  }
}
