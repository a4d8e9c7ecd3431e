package dev.ferry.processor.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class StreamTimeTest {
  private static final TaskId TASK = new TaskId(0, 0);

  @Test
  void withoutMarksATasksTimeIsTheNewestReadInAnyPartition() {
    final StreamTime time = new StreamTime();
    assertThat(time.now(TASK)).isEqualTo(StreamTime.UNKNOWN);
    time.advance(TASK, "orders", 1_000, false);
    time.advance(TASK, "lines", 5_000, false);
    time.advance(TASK, "orders", 2_000, false);
    assertThat(time.now(TASK)).isEqualTo(5_000);
    assertThat(time.now(new TaskId(0, 1))).as("another task").isEqualTo(StreamTime.UNKNOWN);
  }

  @Test
  void withMarksItIsTheLeastOfThePartitionsThatCarryThem() {
    final StreamTime time = new StreamTime();
    time.progress(TASK, "orders", 1_000);
    time.progress(TASK, "lines", 1_000);
    time.advance(TASK, "orders", 40_000, false);
    assertThat(time.now(TASK)).as("lines behind: holds the clock").isEqualTo(1_000);
    assertThat(time.hasPassed(TASK, 1_000, Duration.ofSeconds(30))).isFalse();
    time.advance(TASK, "lines", 20_000, false);
    assertThat(time.now(TASK)).isEqualTo(20_000);
    time.progress(TASK, "lines", 45_000);
    assertThat(time.now(TASK)).isEqualTo(40_000);
    assertThat(time.hasPassed(TASK, 1_000, Duration.ofSeconds(30))).isTrue();
    time.advance(TASK, "customers", 90_000, false);
    assertThat(time.now(TASK)).as("a partition without marks does not count").isEqualTo(40_000);
  }

  @Test
  void aSnapshotRowsReadTimeDoesNotAdvanceAMarkedPartition() {
    final StreamTime time = new StreamTime();
    time.progress(TASK, "orders", 1_000);
    time.advance(TASK, "orders", 60_000, true);
    assertThat(time.now(TASK)).isEqualTo(1_000);
    time.advance(TASK, "orders", 2_000, false);
    assertThat(time.now(TASK)).isEqualTo(2_000);
  }

  @Test
  void aMarkOrChangeOfUnknownTimeIsIgnored() {
    final StreamTime time = new StreamTime();
    time.progress(TASK, "orders", 0);
    time.advance(TASK, "orders", -1, false);
    assertThat(time.now(TASK)).isEqualTo(StreamTime.UNKNOWN);
  }
}
