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
 * The new system's application after cutover, on the demo's target schema: it takes orders with their lines,
 * changes freight and quantities, and cancels orders it took, each in a transaction of its own. Its rows carry
 * {@code ferry_version} 0: the new schema requires the column, and a row the application wrote has no legacy version.
 * Its orders are numbered by the target's identity column, as a new application's would be: safe only once the
 * cutover's sequences step has moved the identity past the synced orders.
 */
public final class NewSystemWorkload {
  private final Connection db;
  private final Random random;
  private final List<String> customers = new ArrayList<>();
  private final List<Integer> products = new ArrayList<>();
  private final List<Integer> taken = new ArrayList<>();
  private long transactions;
  private int firstOrderId;

  public NewSystemWorkload(final Connection db, final long seed) throws SQLException {
    this.db = db;
    this.random = new Random(seed);
    db.setAutoCommit(false);
    try (Statement s = db.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT code FROM customer ORDER BY code")) {
        while (rs.next()) {
          customers.add(rs.getString(1));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT id FROM product ORDER BY id")) {
        while (rs.next()) {
          products.add(rs.getInt(1));
        }
      }
    }
    db.commit();
  }

  /** Runs one transaction: an order with two or three lines, a changed freight or quantity, or a cancelled order. */
  public void step() throws SQLException {
    final int dice = random.nextInt(100);
    try {
      if (dice < 50 || taken.isEmpty()) {
        takeOrder();
      } else if (dice < 80) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE sales_order SET freight = ? WHERE id = ?")) {
          ps.setBigDecimal(1, java.math.BigDecimal.valueOf(random.nextInt(20_000), 2));
          ps.setInt(2, taken.get(random.nextInt(taken.size())));
          ps.executeUpdate();
        }
      } else {
        final int id = taken.remove(random.nextInt(taken.size()));
        try (Statement s = db.createStatement()) {
          s.executeUpdate("DELETE FROM sales_order_line WHERE order_id = " + id);
          s.executeUpdate("DELETE FROM sales_order WHERE id = " + id);
        }
      }
      db.commit();
      transactions++;
    } catch (SQLException e) {
      db.rollback();
      throw e;
    }
  }

  private void takeOrder() throws SQLException {
    final int id;
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO sales_order (customer_code, employee_id, "
        + "order_date, shipper_id, freight, ship_country_code, ferry_version) VALUES (?, ?, current_date, ?, ?, "
        + "'DE', 0) RETURNING id")) {
      ps.setString(1, customers.get(random.nextInt(customers.size())));
      ps.setInt(2, 1 + random.nextInt(9));
      ps.setInt(3, 1 + random.nextInt(3));
      ps.setBigDecimal(4, java.math.BigDecimal.valueOf(random.nextInt(20_000), 2));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        id = rs.getInt(1);
      }
    }
    final int lines = 2 + random.nextInt(2);
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO sales_order_line (order_id, product_id, unit_price, "
        + "quantity, discount, ferry_version) VALUES (?, ?, ?, ?, 0, 0)")) {
      final List<Integer> chosen = new ArrayList<>(products);
      java.util.Collections.shuffle(chosen, random);
      for (int i = 0; i < lines; i++) {
        ps.setInt(1, id);
        ps.setInt(2, chosen.get(i));
        ps.setBigDecimal(3, java.math.BigDecimal.valueOf(100 + random.nextInt(5_000), 2));
        ps.setInt(4, 1 + random.nextInt(20));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    taken.add(id);
    if (firstOrderId == 0) {
      firstOrderId = id;
    }
  }

  /** The number the target's identity gave this application's first order; 0 before it took one. */
  public int firstOrderId() {
    return firstOrderId;
  }

  public long transactions() {
    return transactions;
  }

  /** Orders taken and not cancelled. */
  public int ordersKept() {
    return taken.size();
  }
}
