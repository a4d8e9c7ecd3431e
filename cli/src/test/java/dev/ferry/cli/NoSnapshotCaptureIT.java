package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.Northwind;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture that starts without a snapshot ({@code connector.snapshot-mode: no-data}) on a target loaded by other
 * means: here by a first pipeline, then a second one with its own topics, capture and processor state, so that
 * its processor has never seen an order. A line added to an existing order must arrive at once, not wait for an
 * order that will never come through the stream and then be dead-lettered as an orphan.
 */
class NoSnapshotCaptureIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aLineAddedToAnOrderLoadedBeforeCaptureStartedArrivesAtOnce() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_nodata");
    try (Connection legacy = env.legacy(); Connection target = env.target()) {
      try (Pipeline load = new Pipeline(env.config()).start()) {
        await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      }
      final Path dir = work.resolve("it_nodata_stream");
      final ConfigSource source = DemoEnvironment.configSource(
          ConfigSource.empty().with("connector.snapshot-mode", "no-data", "test"), stack, "it_nodata_stream",
          env.legacyDatabase(), env.targetDatabase(),
          Northwind.LEGACY_TABLES.stream().map(t -> "public." + t).collect(Collectors.joining(",")),
          Northwind.RELATIONS, work.resolve("it_nodata").resolve("mapping.yaml"), dir);
      final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), dir);
      assertThat(config.processor().orphanTimeout()).isEqualTo(Duration.ofMinutes(10));
      try (Pipeline stream = new Pipeline(config).start()) {
        // capture streams once its slot exists (it starts in the background): an order's freight, written until it
        // arrives (an update needs no header wait)
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).until(() -> {
          exec(legacy, "UPDATE orders SET freight = 12.50 WHERE order_id = 10249");
          return count(target, "SELECT count(*) FROM sales_order WHERE id = 10249 AND freight = 12.50") == 1;
        });

        exec(legacy, "INSERT INTO order_details (order_id, product_id, unit_price, quantity, discount) "
            + "VALUES (10248, 1, 18, 3, 0)");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
            assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND product_id = 1"))
                .as("the line added to order 10248, which this processor never saw").isEqualTo(1));
        assertThat(stream.sink().failed()).isZero();
        // no data to snapshot: the capture still counts as streaming once Debezium said its snapshot phase ended
        await().atMost(Duration.ofSeconds(30)).until(() -> stream.capture().streaming());
        assertThat(RowCounts.of(legacy, target).match()).isTrue();
      }
    }
  }
}
