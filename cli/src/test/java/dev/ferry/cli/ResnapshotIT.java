package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second snapshot corrects the target. Rows are changed by streaming first (so that the target holds streamed
 * versions), then again while capture is down and its replication slot is lost; under {@code connector.snapshot-mode:
 * when-needed} the restarted connector snapshots the tables again, and the target must take the snapshot's rows
 * over the older streamed ones.
 */
class ResnapshotIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aSnapshotTakenAfterTheSlotWasLostCorrectsRowsStreamedBeforeIt() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_resnap");
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.snapshot-mode", "when-needed", "test"),
        EnumSet.allOf(Role.class), work.resolve("it_resnap"));
    try (Connection legacy = env.legacy(); Connection target = env.target()) {
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
        exec(legacy, "UPDATE orders SET freight = 1.25 WHERE order_id BETWEEN 10248 AND 10257");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
            count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 10248 AND 10257 AND freight = 1.25") == 10);
      }

      // capture down: the rows change again, and the slot that would have kept those changes is lost
      exec(legacy, "UPDATE orders SET freight = 2.50 WHERE order_id BETWEEN 10248 AND 10257");
      exec(legacy, "UPDATE order_details SET quantity = quantity + 100 WHERE order_id = 10260");
      dropSlot(legacy, env.name());

      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 10248 AND 10257 "
              + "AND freight = 2.50")).as("orders changed while capture was down").isEqualTo(10);
          assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10260 AND quantity > 100"))
              .as("lines changed while capture was down")
              .isEqualTo(count(legacy, "SELECT count(*) FROM order_details WHERE order_id = 10260"));
        });
        assertThat(RowCounts.of(legacy, target).match()).isTrue();
        assertThat(pipeline.sink().failed()).isZero();
      }
    }
  }

  /** Drops the capture's slot, waiting (bounded) for the stopped connector's walsender to let go of it. */
  private static void dropSlot(final Connection legacy, final String slot) throws Exception {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreException(SQLException.class)
        .until(() -> {
          try (PreparedStatement ps = legacy.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, slot);
            ps.execute();
          }
          return true;
        });
  }

  private static void exec(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long count(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
