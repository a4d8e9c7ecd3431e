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
 * The processor stopped for three times its transaction and orphan timeouts while writers change orders with
 * their lines on the legacy database, then started again with the backlog: no reader of the target ever sees a
 * torn order, nothing is dead-lettered, and the target ends equal to the source. The timeouts count input time,
 * so the downtime itself times nothing out. They are 5 s here (10 minutes by default): short enough for a test,
 * long enough that one partition of a task running ahead of another on a loaded machine does not matter (input
 * time is the latest commit time the task has read in any of its partitions).
 */
class ProcessorDowntimeIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aProcessorDownLongerThanItsTimeoutsTearsNoOrderAndOrphansNoLine() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_downtime");
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("processor.transaction-timeout", "5s", "test")
        .with("processor.orphan-timeout", "5s", "test"), EnumSet.allOf(Role.class), work.resolve("it_downtime"));
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final TornOrderCheck check = TornOrderCheck.start(env, 2, 20_000, 5_000, 12, 100);

      // stopped in the middle of the workload: transactions of which it has read some commit markers and not all
      // are held in its state, and the writers go on committing while it is down
      await().atMost(Duration.ofMinutes(1)).until(() -> check.transactions() >= 150);
      pipeline.stopProcessor();
      final int writtenAtStop = check.transactions();
      Thread.sleep(Duration.ofSeconds(16).toMillis());
      assertThat(check.transactions()).as("transactions written while the processor was down")
          .isGreaterThan(writtenAtStop);
      pipeline.startProcessor();

      check.finish(legacy, target, Duration.ofMinutes(4), 1_000, 100, "");
      assertThat(DeadLettersRead.refusals(stack, config)).as("rows dead-lettered (orphans, torn transactions)").isEmpty();
    }
  }
}
