package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.connector.Resnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second snapshot corrects the target. Rows are changed by streaming first (so that the target holds streamed
 * versions), then again while capture is down and its replication slot is lost; under {@code connector.snapshot-mode:
 * when-needed} the restarted connector snapshots the tables again, and the target must take the snapshot's rows
 * over the older streamed ones.
 *
 * <p>The slot is lost as production loses one: the legacy server invalidates it for keeping more WAL than {@code
 * max_slot_wal_keep_size} allows. Debezium did not recognise such a slot in any mode: it looked for a usable one every
 * 2 s, warning of concurrent transactions, until its start timed out. A capture in the default mode refuses to start, saying what was
 * lost and what to do; one in {@code when-needed} drops the slot and snapshots again.
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
      exec(legacy, "DELETE FROM order_details WHERE order_id = 10270 OR (order_id = 10271 AND product_id = 33)");
      exec(legacy, "DELETE FROM orders WHERE order_id = 10270");
      invalidateSlot(legacy, env.name());
      final FerryConfig initial = FerryConfig.resolve(env.source(), EnumSet.allOf(Role.class), work.resolve("it_resnap"));
      try (LegacyCapture refused = initial.newCapture()) {
        assertThatThrownBy(refused::start).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("replication slot " + env.name() + " on ").hasMessageContaining("is lost")
            .hasMessageContaining("max_slot_wal_keep_size").hasMessageContaining("snapshot-mode: when-needed");
      }

      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 10248 AND 10257 "
              + "AND freight = 2.50")).as("orders changed while capture was down").isEqualTo(10);
          assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10260 AND quantity > 100"))
              .as("lines changed while capture was down")
              .isEqualTo(count(legacy, "SELECT count(*) FROM order_details WHERE order_id = 10260"));
          assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 10270"))
              .as("the order deleted while capture was down").isZero();
          assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10270 "
              + "OR (order_id = 10271 AND product_id = 33)")).as("lines deleted while capture was down").isZero();
        });
        assertThat(RowCounts.of(legacy, target).match()).isTrue();
        assertThat(pipeline.sink().failed()).isZero();
      }
    }
  }

  /**
   * {@code ferry resnapshot} repairs drift while the sync goes on: target rows changed behind Ferry's back take the
   * legacy values again, a target row lost is added again, and rows the legacy application changes meanwhile end in
   * their latest state.
   */
  @Test
  void aResnapshotOfOneTableRepairsDriftWhileTheStreamGoesOn() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_resnap_drift");
    final FerryConfig config = env.config();
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      exec(target, "UPDATE sales_order SET freight = 999.99 WHERE id BETWEEN 10300 AND 10349");
      exec(target, "DELETE FROM sales_order_line WHERE order_id = 10350");
      exec(target, "DELETE FROM sales_order WHERE id = 10350");
      // rows Ferry wrote once (a version below the re-snapshot) that the legacy tables no longer hold
      exec(target, "INSERT INTO sales_order (id, freight, ferry_version) VALUES (99001, 1.00, 2)");
      exec(target, "INSERT INTO sales_order_line (order_id, product_id, unit_price, quantity, discount, ferry_version) "
          + "VALUES (99001, 1, 1.00, 1, 0, 2), (10351, 1, 1.00, 1, 0, 2)");

      final String id = Resnapshot.request(config.connector(), List.of("public.orders", "public.order_details"),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      assertThat(id).startsWith("ferry-resnapshot-");
      exec(legacy, "UPDATE orders SET freight = 3.75 WHERE order_id BETWEEN 10340 AND 10344");
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE freight = 999.99")).as("drifted orders")
            .isZero();
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 10340 AND 10344 "
            + "AND freight = 3.75")).as("orders changed in the legacy database meanwhile").isEqualTo(5);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10350"))
            .as("lines lost from the target").isEqualTo(count(legacy,
                "SELECT count(*) FROM order_details WHERE order_id = 10350"));
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE product_id = 1 AND order_id IN "
            + "(99001, 10351)")).as("lines the legacy database does not hold").isZero();
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 99001"))
            .as("an order the legacy database does not hold").isZero();
      });
      assertThat(sumOfFreight(target, "sales_order", "id")).isEqualTo(sumOfFreight(legacy, "orders", "order_id"));
      assertThat(RowCounts.of(legacy, target).match()).isTrue();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /** The freight of orders 10300 to 10349 in cents, summed, so both sides compare exactly. */
  private static long sumOfFreight(final Connection c, final String table, final String key) throws SQLException {
    return count(c, "SELECT sum(round(freight::numeric * 100)) FROM " + table + " WHERE " + key
        + " BETWEEN 10300 AND 10349");
  }

  /**
   * Has the legacy server invalidate the capture's slot as {@code max_slot_wal_keep_size} does: the limit lowered to
   * 1 MB, WAL switched to a new segment and checkpointed until the slot's {@code wal_status} is lost (bounded), the
   * limit restored.
   */
  private static void invalidateSlot(final Connection legacy, final String slot) throws Exception {
    exec(legacy, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
    exec(legacy, "SELECT pg_reload_conf()");
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        exec(legacy, "SELECT pg_switch_wal()");
        exec(legacy, "CHECKPOINT");
        try (PreparedStatement ps = legacy.prepareStatement(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND wal_status = 'lost'")) {
          ps.setString(1, slot);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getLong(1) == 1;
          }
        }
      });
    } finally {
      exec(legacy, "ALTER SYSTEM RESET max_slot_wal_keep_size");
      exec(legacy, "SELECT pg_reload_conf()");
    }
  }
}
