package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A TRUNCATE of legacy tables while the sync runs empties the target tables too: PostgreSQL logs no row deletes for
 * it, and before, the target kept all 2,155 order lines the legacy table no longer had, silently. Rows written after
 * the TRUNCATE arrive as usual, and the other tables are untouched. The orders are truncated with their lines
 * ({@code CASCADE}): both are read again in one re-snapshot, whose end deletes lines before orders; read in two, the
 * orders' end came first, could delete no order (their lines still referenced them) and the target kept all 830.
 */
class LegacyTruncateIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void legacyTablesTruncatedTogetherAreEmptiedInTheTargetToo() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_truncate");
    final FerryConfig config = FerryConfig.resolve(env.source(), EnumSet.allOf(Role.class), work.resolve("cfg"));
    try (Connection legacy = env.legacy(); Connection target = env.target();
        Pipeline pipeline = new Pipeline(config).start()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      assertThat(count(target, "SELECT count(*) FROM sales_order_line")).isEqualTo(2155);

      exec(legacy, "CREATE TEMP TABLE kept AS SELECT * FROM orders WHERE order_id = 10248");
      exec(legacy, "TRUNCATE orders CASCADE");
      exec(legacy, "INSERT INTO orders SELECT * FROM kept");
      exec(legacy, "INSERT INTO order_details VALUES (10248, 11, 14, 99, 0)");
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order")).as("orders left in the target").isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line")).as("lines left in the target")
            .isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND "
            + "product_id = 11 AND quantity = 99")).as("the line written after the TRUNCATE").isEqualTo(1);
      });
      assertThat(count(target, "SELECT count(*) FROM customer")).as("customers untouched").isEqualTo(91);
      assertThat(count(target, "SELECT count(*) FROM product")).as("products untouched").isEqualTo(77);
      assertThat(RowCounts.of(legacy, target).match()).isTrue();
      assertThat(pipeline.sink().failed()).isZero();
    }
    // one signal for both tables: two were read together by Debezium here, but apart in a sandbox (5 s between them)
    assertThat(SignalTopic.read(stack, "it_truncate.connector-signals")).singleElement().satisfies(signal ->
        assertThat(new ObjectMapper().readTree(signal.value()).get("data").get("data-collections"))
            .extracting(JsonNode::asText).containsExactly("public.orders", "public.order_details"));
  }
}
