package dev.ferry.cli.demo;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Row counts of each legacy table and its target table.
 *
 * @param source legacy table -> rows
 * @param target legacy table -> rows in its target table
 */
public record RowCounts(Map<String, Long> source, Map<String, Long> target) {

  public static RowCounts of(final Connection legacy, final Connection target) throws SQLException {
    final Map<String, Long> s = new LinkedHashMap<>();
    final Map<String, Long> t = new LinkedHashMap<>();
    for (final String table : Northwind.LEGACY_TABLES) {
      s.put(table, count(legacy, table));
      t.put(table, count(target, Northwind.TABLES.get(table)));
    }
    return new RowCounts(s, t);
  }

  private static long count(final Connection c, final String table) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public boolean match() {
    return source.equals(target);
  }

  /** One line per table: {@code orders -> sales_order: source 830, target 830 OK}. */
  public String table() {
    final StringBuilder sb = new StringBuilder();
    for (final String table : source.keySet()) {
      final long a = source.get(table);
      final long b = target.get(table);
      sb.append(String.format(java.util.Locale.ROOT, "%-14s -> %-17s source %,7d   target %,7d   %s%n", table,
          Northwind.TABLES.get(table), a, b, a == b ? "OK" : "DIFFERENT"));
    }
    return sb.toString();
  }

  /** A compact progress fragment: {@code sales_order 812/830}. */
  public String progress() {
    final StringBuilder sb = new StringBuilder();
    for (final String table : source.keySet()) {
      sb.append(String.format(java.util.Locale.ROOT, "%s %,d/%,d  ", Northwind.TABLES.get(table),
          target.get(table), source.get(table)));
    }
    return sb.toString().trim();
  }
}
