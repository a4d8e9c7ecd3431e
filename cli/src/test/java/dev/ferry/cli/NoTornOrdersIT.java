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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole source transactions: while writers change orders with their lines on the legacy Northwind
 * database, a reader polls the target the whole time and must never see a torn order ({@link TornOrderCheck}).
 */
class NoTornOrdersIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aReaderOfTheTargetNeverSeesAnOrderWithoutTheLinesItsTransactionWrote() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_torn");
    try (Pipeline pipeline = new Pipeline(env.config()).start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final TornOrderCheck check = TornOrderCheck.start(env, 2, 30_000, 1_000, 1, 0);
      check.finish(legacy, target, Duration.ofMinutes(3), 300, 100, "");
      assertThat(pipeline.sink().failed()).isZero();
    }
  }
}
