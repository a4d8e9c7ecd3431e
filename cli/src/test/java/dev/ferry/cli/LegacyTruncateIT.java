package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
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
 * A TRUNCATE of a legacy table while the sync runs empties the target table too: PostgreSQL logs no row deletes for
 * it, and before, the target kept all 2,155 order lines the legacy table no longer had, silently. Rows written after
 * the TRUNCATE arrive as usual, and the other tables are untouched.
 */
class LegacyTruncateIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aTruncatedLegacyTableIsEmptiedInTheTargetToo() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_truncate");
    final FerryConfig config = FerryConfig.resolve(env.source(), EnumSet.allOf(Role.class), work.resolve("cfg"));
    try (Connection legacy = env.legacy(); Connection target = env.target();
        Pipeline pipeline = new Pipeline(config).start()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      assertThat(count(target, "SELECT count(*) FROM sales_order_line")).isEqualTo(2155);

      exec(legacy, "TRUNCATE order_details");
      exec(legacy, "INSERT INTO order_details VALUES (10248, 11, 14, 99, 0)");
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order_line")).as("lines left in the target")
            .isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND "
            + "product_id = 11 AND quantity = 99")).as("the line written after the TRUNCATE").isEqualTo(1);
      });
      assertThat(count(target, "SELECT count(*) FROM sales_order")).as("orders untouched").isEqualTo(830);
      assertThat(RowCounts.of(legacy, target).match()).isTrue();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }
}
