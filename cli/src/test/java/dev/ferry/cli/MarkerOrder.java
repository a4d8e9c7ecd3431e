package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Proof that a restarted service of the pipeline is working again, for the crash tests: an order without lines,
 * committed on the legacy Northwind database after the service started, has reached the target. Counting orders
 * would not show it: the rest of the pipeline may still be applying what the killed run had passed on, and a
 * workload may have ended.
 */
final class MarkerOrder {
  private MarkerOrder() {
  }

  /**
   * Commits order {@code id} (no lines, ship name {@code "Marker <id>"}) on the legacy database and waits up to 2
   * minutes until the target holds it, failing if {@code service} died meanwhile.
   */
  static void awaitThroughPipeline(final Connection legacy, final Connection target, final int id,
      final Process service) throws SQLException {
    try (PreparedStatement insert = legacy.prepareStatement("INSERT INTO orders (order_id, customer_id, freight, "
        + "ship_name) VALUES (?, 'ALFKI', 1, ?)")) {
      insert.setInt(1, id);
      insert.setString(2, "Marker " + id);
      insert.executeUpdate();
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(() -> inTarget(target, id) || !service.isAlive());
    assertThat(service.isAlive()).as("the service is alive once marker order %d is in the target", id).isTrue();
  }

  private static boolean inTarget(final Connection target, final int id) throws SQLException {
    try (PreparedStatement select = target.prepareStatement("SELECT 1 FROM sales_order WHERE id = ?")) {
      select.setInt(1, id);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }
}
