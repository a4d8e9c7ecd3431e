package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.PackedApplyRecord;

/**
 * One record of the apply topic as the sink holds it from the poll until its batch commits: where it came
 * from (for offsets, parking and dead letters), which try it is (1, or more when replayed from a dead
 * letter) and the change it carries, packed ({@link PackedApplyRecord}:
 * its row stays bytes until it is written). Kept instead of Kafka's {@code ConsumerRecord}, which also
 * holds headers, sizes, a timestamp and a leader epoch per record: with tens of thousands of records in
 * flight per writer, the smaller record is less for the collector to copy. {@code replayedWithGroup}: sent again
 * from a dead letter written with its whole group, which comes back with it ({@link WholeGroups}).
 */
record ApplyTopicRecord(String topic, int partition, long offset, String key, PackedApplyRecord packed, int attempt,
    boolean replayedWithGroup) {
  /** A record of {@code value}, a first try (tests). */
  static ApplyTopicRecord of(final String topic, final int partition, final long offset, final String key,
      final ApplyRecord value) {
    return new ApplyTopicRecord(topic, partition, offset, key, PackedApplyRecord.pack(value), 1, false);
  }

  /** The change, decoded in full: for the slower paths (row by row, dead letters), not per record of a batch. */
  ApplyRecord value() {
    return packed.unpack();
  }
}
