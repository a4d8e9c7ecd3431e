package dev.ferry.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Orders and order lines of both sides as comparable rows. The legacy side is converted here, in the
 * test, by the rules the demo mapping states (money: shortest decimal text of the real, rounded half-even
 * to 2 places; text: trimmed, empty as NULL), independently of Ferry's own conversion code.
 */
final class NorthwindRows {
  private NorthwindRows() {
  }

  static String money(final float legacy) {
    return new BigDecimal(Float.toString(legacy)).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
  }

  static String text(final String legacy) {
    if (legacy == null) {
      return null;
    }
    final String s = legacy.strip();
    return s.isEmpty() ? null : s;
  }

  /** Legacy country names to the ISO codes the new system stores (independent of the lookup file). */
  static final java.util.Map<String, String> ISO = java.util.Map.ofEntries(
      java.util.Map.entry("Argentina", "AR"), java.util.Map.entry("Austria", "AT"), java.util.Map.entry("Belgium", "BE"),
      java.util.Map.entry("Brazil", "BR"), java.util.Map.entry("Canada", "CA"), java.util.Map.entry("Denmark", "DK"),
      java.util.Map.entry("Finland", "FI"), java.util.Map.entry("France", "FR"), java.util.Map.entry("Germany", "DE"),
      java.util.Map.entry("Ireland", "IE"), java.util.Map.entry("Italy", "IT"), java.util.Map.entry("Mexico", "MX"),
      java.util.Map.entry("Norway", "NO"), java.util.Map.entry("Poland", "PL"), java.util.Map.entry("Portugal", "PT"),
      java.util.Map.entry("Spain", "ES"), java.util.Map.entry("Sweden", "SE"), java.util.Map.entry("Switzerland", "CH"),
      java.util.Map.entry("UK", "GB"), java.util.Map.entry("USA", "US"), java.util.Map.entry("Venezuela", "VE"));

  static String iso(final String country) {
    return country == null ? null : ISO.get(country.strip());
  }

  /** order_id -> expected sales_order row, computed from the legacy orders table. */
  static Map<String, List<String>> expectedOrders(final Connection legacy) throws SQLException {
    final Map<String, List<String>> out = new TreeMap<>();
    try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery("SELECT order_id, customer_id, "
        + "employee_id, order_date, required_date, shipped_date, ship_via, freight, ship_name, ship_address, "
        + "ship_city, ship_region, ship_postal_code, ship_country FROM orders")) {
      while (rs.next()) {
        final float freight = rs.getFloat("freight");
        final String freightText = rs.wasNull() ? null : money(freight);
        out.put(rs.getString("order_id"), Arrays.asList(text(rs.getString("customer_id")),
            rs.getString("employee_id"), rs.getString("order_date"), rs.getString("required_date"),
            rs.getString("shipped_date"), rs.getString("ship_via"), freightText,
            text(rs.getString("ship_name")), text(rs.getString("ship_address")), text(rs.getString("ship_city")),
            text(rs.getString("ship_region")), text(rs.getString("ship_postal_code")),
            iso(rs.getString("ship_country"))));
      }
    }
    return out;
  }

  /** id -> sales_order row as the target holds it. */
  static Map<String, List<String>> actualOrders(final Connection target) throws SQLException {
    final Map<String, List<String>> out = new TreeMap<>();
    try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT id, customer_code, "
        + "employee_id, order_date, required_date, shipped_date, shipper_id, freight, ship_name, ship_address, "
        + "ship_city, ship_region, ship_postal_code, ship_country_code FROM sales_order")) {
      while (rs.next()) {
        out.put(rs.getString("id"), Arrays.asList(rs.getString("customer_code"), rs.getString("employee_id"),
            rs.getString("order_date"), rs.getString("required_date"), rs.getString("shipped_date"),
            rs.getString("shipper_id"), rs.getString("freight"), rs.getString("ship_name"),
            rs.getString("ship_address"), rs.getString("ship_city"), rs.getString("ship_region"),
            rs.getString("ship_postal_code"), rs.getString("ship_country_code")));
      }
    }
    return out;
  }

  /** order_id|product_id -> expected sales_order_line row. */
  static Map<String, List<String>> expectedLines(final Connection legacy) throws SQLException {
    final Map<String, List<String>> out = new TreeMap<>();
    try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT order_id, product_id, unit_price, quantity, discount FROM order_details")) {
      while (rs.next()) {
        out.put(rs.getInt(1) + "|" + rs.getInt(2), List.of(money(rs.getFloat(3)), rs.getString(4),
            money(rs.getFloat(5))));
      }
    }
    return out;
  }

  /** order_id|product_id -> sales_order_line row as the target holds it. */
  static Map<String, List<String>> actualLines(final Connection target) throws SQLException {
    final Map<String, List<String>> out = new TreeMap<>();
    try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT order_id, product_id, unit_price, quantity, discount FROM sales_order_line")) {
      while (rs.next()) {
        out.put(rs.getInt(1) + "|" + rs.getInt(2), List.of(rs.getString(3), rs.getString(4), rs.getString(5)));
      }
    }
    return out;
  }
}
