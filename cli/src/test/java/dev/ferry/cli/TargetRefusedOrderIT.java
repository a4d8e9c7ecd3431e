package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.sink.DeadLetterReplay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole orders in the target, end to end on Northwind: the target refuses one line of an order (a check the
 * legacy database does not have), so neither the order nor any of its lines is applied; the three rows are
 * dead-lettered together, and replayed once the constraint is relaxed they arrive together. An order after it
 * passes meanwhile.
 */
class TargetRefusedOrderIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void anOrderWhoseLineTheTargetRefusesIsDeadLetteredWholeAndAppliedWholeWhenReplayed() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_target_refused");
    final FerryConfig config = env.config();
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      exec(target, "ALTER TABLE sales_order_line ADD CONSTRAINT line_quantity_usual CHECK (quantity < 1000)");
      legacy.setAutoCommit(false);
      exec(legacy, "INSERT INTO orders (order_id, customer_id, ship_country) VALUES (20300, 'ALFKI', 'Germany')");
      exec(legacy, "INSERT INTO order_details VALUES (20300, 11, 14, 5000, 0), (20300, 42, 9.8, 5, 0)");
      legacy.commit();
      legacy.setAutoCommit(true);
      exec(legacy, "INSERT INTO orders (order_id, customer_id, ship_country) VALUES (20301, 'ALFKI', 'Germany')");

      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
          .until(() -> count(target, "SELECT count(*) FROM sales_order WHERE id = 20301") == 1);
      assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 20300")).isZero();
      assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 20300")).isZero();
      final List<DeadLetter> letters = DeadLettersRead.errors(stack, config, 3, "target-refused-reader");
      final String group = letters.get(0).getGroup();
      assertThat(group).isNotNull();
      assertThat(letters).extracting(d -> d.getSourceKey() + " " + d.getErrors().get(0).getRule() + " "
          + d.getGroup() + "/" + d.getGroupSize()).containsExactlyInAnyOrder(
              "20300 group.refused " + group + "/3", "20300|11 sink.23514 " + group + "/3",
              "20300|42 group.refused " + group + "/3");

      exec(target, "ALTER TABLE sales_order_line DROP CONSTRAINT line_quantity_usual");
      final DeadLetterReplay.Summary done = new DeadLetterReplay(config.sink()).run(new DeadLetterReplay.Options(
          Set.of("sink.23514"), Set.of(), false, false),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      assertThat(done.replayed()).as("the refused line's letter and its group's").isEqualTo(3);
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
          .until(() -> count(target, "SELECT count(*) FROM sales_order WHERE id = 20300") == 1);
      assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 20300")).isEqualTo(2);
      assertThat(count(target, "SELECT sum(quantity) FROM sales_order_line WHERE order_id = 20300")).isEqualTo(5005);
    }
  }
}
