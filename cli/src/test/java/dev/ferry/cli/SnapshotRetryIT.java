package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An initial snapshot that fails after it took its position and before it read a row (the legacy connection lost
 * while it read the tables' structure: {@link LostWhileReadingStructure}) is taken again when Debezium restarts the
 * capture, and every legacy row reaches the target.
 *
 * <p>Before, Debezium's notification that the snapshot was aborted carried the position without the mark of a
 * snapshot under way, the capture stored it, and the restart streamed from there: the snapshot was skipped and the
 * target stayed empty while the pipeline reported itself drained (a sandbox run as shipped whose legacy database
 * cancelled a statement of that step: 250,000 rows, none captured). This test failed that way: no row arrived.
 */
class SnapshotRetryIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aSnapshotThatFailsBeforeItReadsARowIsTakenAgainNotSkipped() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_snapretry");
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("debezium.converters", "ferrytext,lost", "test")
        .with("debezium.lost.type", LostWhileReadingStructure.class.getName(), "test")
        // Debezium restarts a failed capture after 10 s by default
        .with("debezium.retriable.restart.connector.wait.ms", "1000", "test"), EnumSet.allOf(Role.class),
        work.resolve("it_snapretry"));
    LostWhileReadingStructure.FAILED.set(0);
    LostWhileReadingStructure.ARMED.set(1);

    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .until(() -> RowCounts.of(legacy, target).match());
      assertThat(LostWhileReadingStructure.FAILED.get()).as("snapshots failed by the fault").isEqualTo(1);
      final RowCounts counts = RowCounts.of(legacy, target);
      assertThat(counts.target()).as("Northwind's 830 orders and 2,155 lines in the target").containsValues(830L, 2155L);
      assertThat(pipeline.sink().failed()).isZero();
    } finally {
      LostWhileReadingStructure.ARMED.set(0);
    }
  }
}
