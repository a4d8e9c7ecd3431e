package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchSplitTest {
  private static ApplyTopicRecord record(final int partition, final long offset, final String group, final int index,
      final int size) {
    final ApplyRecord r = ApplyRecord.newBuilder().setTable("item").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", (int) offset))).setRow(List.of(Columns.of("id", (int) offset)))
        .setVersion(offset).setSourceTable("public.item").setSourceTsMs(0L).build();
    if (group != null) {
      r.setGroup(group);
      r.setGroupIndex(index);
      r.setGroupSize(size);
    }
    return ApplyTopicRecord.of("apply", partition, offset, group == null ? String.valueOf(offset) : group, r);
  }

  @Test
  void theCutNearestTheMiddleKeepsEveryGroupWholeAcrossInterleavedPartitions() {
    // partition 0: group a (3 records); partition 1: group b (2), then a lone record; interleaved in the batch
    final List<ApplyTopicRecord> batch = List.of(record(0, 10, "a", 0, 3), record(1, 20, "b", 0, 2),
        record(0, 11, "a", 1, 3), record(1, 21, "b", 1, 2), record(0, 12, "a", 2, 3), record(1, 22, null, 0, 0));
    // after index 2 group a is open, after 3 too; only after 5 are both partitions at a group's end
    assertThat(BatchSplit.cut(batch)).isEqualTo(5);
    assertThat(BatchSplit.offsetsOf(batch.subList(0, 5))).isEqualTo(Map.of(new TopicPartition("apply", 0), 13L,
        new TopicPartition("apply", 1), 22L));
  }

  @Test
  void loneRecordsAreCutInTheMiddleAndOneGroupNotAtAll() {
    final List<ApplyTopicRecord> lone = List.of(record(0, 1, null, 0, 0), record(0, 2, null, 0, 0),
        record(1, 3, null, 0, 0), record(1, 4, null, 0, 0));
    assertThat(BatchSplit.cut(lone)).isEqualTo(2);
    assertThat(BatchSplit.cut(List.of(record(0, 1, "g", 0, 2), record(0, 2, "g", 1, 2)))).isEqualTo(-1);
    assertThat(BatchSplit.cut(List.of(record(0, 1, null, 0, 0)))).isEqualTo(-1);
  }
}
