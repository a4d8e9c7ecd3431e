package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LostRecordsTest {
  private static final TopicPartition A0 = new TopicPartition("a", 0);
  private static final TopicPartition A1 = new TopicPartition("a", 1);
  private static final TopicPartition B0 = new TopicPartition("b", 0);

  @Test
  void aGapIsWhereThePositionLiesBeforeTheOldestOffsetLeft() {
    final var gaps = LostRecords.between(Map.of(B0, 5L, A1, 40L, A0, 10L), Map.of(B0, 5L, A1, 55L, A0, 11L));
    assertThat(gaps).containsExactly(new LostRecords(A0, 10, 11), new LostRecords(A1, 40, 55));
    assertThat(gaps.get(1).count()).isEqualTo(15);
  }

  @Test
  void aPositionAtOrPastTheOldestOffsetOrOfAnUnknownPartitionIsNoGap() {
    assertThat(LostRecords.between(Map.of(A0, 7L, A1, 9L, B0, 3L), Map.of(A0, 7L, A1, 2L))).isEmpty();
  }

  @Test
  void theDescriptionNamesTheOffsetsThePartitionTheCountAndWhoDidNotReadThem() {
    assertThat(new LostRecords(A1, 1_000, 3_500).describe("the sink s"))
        .startsWith("offsets 1,000 to 3,499 of a-1 (2,500 records and transaction markers) were deleted by Kafka "
            + "before the sink s read them");
  }
}
