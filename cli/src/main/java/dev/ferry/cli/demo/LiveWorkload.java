package dev.ferry.cli.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A live workload on the legacy Northwind database, as its application would produce: each call runs
 * one transaction that inserts an order with its lines, changes an order, changes a line, or deletes
 * an order with its lines. Changes touch any order; deletes remove only orders this workload
 * inserted, so {@link #deleteAllInserted()} brings the row counts back to where they started while
 * every kind of change has happened. Deterministic for a given seed and starting database.
 */
public final class LiveWorkload {
  private final Connection legacy;
  private final Random random;
  private final List<String> customers = new ArrayList<>();
  private final List<Integer> products = new ArrayList<>();
  private final List<Integer> inserted = new ArrayList<>();
  private long inserts;
  private long updates;
  private long deletes;

  public LiveWorkload(final Connection legacy, final long seed) throws SQLException {
    this.legacy = legacy;
    this.random = new Random(seed);
    legacy.setAutoCommit(false);
    try (Statement s = legacy.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT customer_id FROM customers ORDER BY customer_id")) {
        while (rs.next()) {
          customers.add(rs.getString(1));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT product_id FROM products ORDER BY product_id")) {
        while (rs.next()) {
          products.add(rs.getInt(1));
        }
      }
    }
    legacy.commit();
  }

  /** Runs one transaction. */
  public void step() throws SQLException {
    final int dice = random.nextInt(100);
    try {
      final int orderId = dice < 40 ? nextOrderId() : Short.MAX_VALUE;
      if (orderId < Short.MAX_VALUE) {
        insertOrder(orderId);
      } else if (dice < 65) {
        updateOrder();
      } else if (dice < 85) {
        updateLine();
      } else {
        deleteOrder();
      }
      legacy.commit();
    } catch (SQLException e) {
      legacy.rollback();
      throw e;
    }
  }

  /**
   * The number of the next order, as Northwind's application gives it (its table has no sequence): one past the
   * largest, read when the order is taken, so that orders another system wrote meanwhile (the new system's after a
   * cutover, synced back) are not numbered again.
   */
  private int nextOrderId() throws SQLException {
    try (Statement s = legacy.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(order_id), 10000) + 1 FROM orders")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private void insertOrder(final int id) throws SQLException {
    try (PreparedStatement o = legacy.prepareStatement("INSERT INTO orders (order_id, customer_id, employee_id, "
        + "order_date, required_date, ship_via, freight, ship_name, ship_city, ship_country) "
        + "VALUES (?, ?, ?, current_date, current_date + 14, ?, ?, ?, ?, ?)")) {
      o.setInt(1, id);
      o.setString(2, customers.get(random.nextInt(customers.size())));
      o.setInt(3, 1 + random.nextInt(9));
      o.setInt(4, 1 + random.nextInt(3));
      o.setFloat(5, random.nextInt(50_000) / 100f);
      o.setString(6, "Live order " + id);
      o.setString(7, "Berlin");
      o.setString(8, "Germany");
      o.executeUpdate();
    }
    final int lines = 1 + random.nextInt(4);
    try (PreparedStatement l = legacy.prepareStatement("INSERT INTO order_details (order_id, product_id, "
        + "unit_price, quantity, discount) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (int i = 0; i < lines; i++) {
        l.setInt(1, id);
        l.setInt(2, products.get(random.nextInt(products.size())));
        l.setFloat(3, 1 + random.nextInt(10_000) / 100f);
        l.setInt(4, 1 + random.nextInt(50));
        l.setFloat(5, random.nextInt(5) * 0.05f);
        l.addBatch();
      }
      l.executeBatch();
    }
    inserted.add(id);
    inserts++;
  }

  private Integer randomOrder() throws SQLException {
    try (Statement s = legacy.createStatement();
        ResultSet rs = s.executeQuery("SELECT order_id FROM orders ORDER BY order_id OFFSET "
            + random.nextInt(800) + " LIMIT 1")) {
      return rs.next() ? rs.getInt(1) : null;
    }
  }

  private void updateOrder() throws SQLException {
    final Integer id = randomOrder();
    if (id == null) {
      return;
    }
    try (PreparedStatement u = legacy.prepareStatement(
        "UPDATE orders SET freight = ?, shipped_date = current_date WHERE order_id = ?")) {
      u.setFloat(1, random.nextInt(50_000) / 100f);
      u.setInt(2, id);
      u.executeUpdate();
    }
    updates++;
  }

  private void updateLine() throws SQLException {
    final Integer id = randomOrder();
    if (id == null) {
      return;
    }
    try (PreparedStatement u = legacy.prepareStatement(
        "UPDATE order_details SET quantity = quantity % 100 + 1 WHERE order_id = ?")) {
      u.setInt(1, id);
      u.executeUpdate();
    }
    updates++;
  }

  private void deleteOrder() throws SQLException {
    if (inserted.isEmpty()) {
      return;
    }
    delete(inserted.remove(random.nextInt(inserted.size())));
  }

  /** Deletes, one transaction each, every order this workload inserted and has not deleted yet. */
  public void deleteAllInserted() throws SQLException {
    while (!inserted.isEmpty()) {
      try {
        delete(inserted.remove(inserted.size() - 1));
        legacy.commit();
      } catch (SQLException e) {
        legacy.rollback();
        throw e;
      }
    }
  }

  private void delete(final int id) throws SQLException {
    try (PreparedStatement d = legacy.prepareStatement("DELETE FROM order_details WHERE order_id = ?");
        PreparedStatement o = legacy.prepareStatement("DELETE FROM orders WHERE order_id = ?")) {
      d.setInt(1, id);
      d.executeUpdate();
      o.setInt(1, id);
      o.executeUpdate();
    }
    deletes++;
  }

  public long inserts() {
    return inserts;
  }

  public long updates() {
    return updates;
  }

  public long deletes() {
    return deletes;
  }

  /** {@code 12 inserted, 9 changed, 3 deleted}. */
  public String summary() {
    return inserts + " orders inserted, " + updates + " changed, " + deletes + " deleted";
  }
}
