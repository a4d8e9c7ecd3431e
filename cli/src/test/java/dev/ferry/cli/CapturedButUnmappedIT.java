package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.Northwind;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table captured before it is mapped, as in a phased rollout: Northwind's {@code shippers} is in
 * {@code legacy.tables} and not in the mapping. Transactions that change orders and shippers together reach the
 * target at once, not after the transaction timeout (10 minutes by default): the processor reads the unmapped
 * table's topic for its commit markers and drops its rows.
 */
class CapturedButUnmappedIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void ordersChangedWithAnUnmappedTableInOneTransactionArriveWithoutWaitingOutTheTimeout() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_unmapped");
    final String tables = Northwind.LEGACY_TABLES.stream().map(t -> "public." + t).collect(Collectors.joining(","))
        + ",public.shippers";
    final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.tables", tables, "test"),
        EnumSet.allOf(Role.class), work.resolve("it_unmapped"));
    assertThat(config.processor().transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      // every shipper and ten orders in one transaction: whatever the partitioning, some orders share a
      // partition with a shipper, so their commit needs the shippers topic's marker
      legacy.setAutoCommit(false);
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE shippers SET phone = '(503) 555-0100'");
        s.execute("UPDATE orders SET freight = 777.25 WHERE order_id BETWEEN 10248 AND 10257");
      }
      legacy.commit();

      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 10248 AND 10257 "
              + "AND freight = 777.25")).isEqualTo(10));
      assertThat(count(target, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%shipper%'"))
          .as("nothing of the unmapped table reaches the target").isZero();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
