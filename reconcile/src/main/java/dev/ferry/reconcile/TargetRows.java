package dev.ferry.reconcile;

import dev.ferry.schemas.TableKey;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A target table as reconcile reads it: its columns ({@link TargetColumn}), its key ({@link TableKey}), and its rows streamed
 * as canonical text. Works on PostgreSQL and MariaDB (a MariaDB "schema" is its database).
 */
final class TargetRows {
  private static final int FETCH = 5_000;

  /** Takes one target row: its key and the compared columns' values, both canonical. */
  @FunctionalInterface
  interface Each {
    void accept(String key, String[] values) throws Exception;
  }

  private final Connection connection;
  private final String qualified;
  private final boolean mariaDb;

  TargetRows(final Connection connection, final String qualified) throws SQLException {
    this.connection = connection;
    this.qualified = qualified;
    final String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    this.mariaDb = product.contains("mariadb") || product.contains("mysql");
  }

  /** Every column of the table, by name, in table order; empty when the table does not exist. */
  Map<String, TargetColumn> columns() throws SQLException {
    final Map<String, TargetColumn> out = new LinkedHashMap<>();
    final String[] name = split();
    final DatabaseMetaData meta = connection.getMetaData();
    try (ResultSet rs = mariaDb ? meta.getColumns(name[0], null, name[1], null)
        : meta.getColumns(null, name[0], name[1], null)) {
      while (rs.next()) {
        final String column = rs.getString("COLUMN_NAME");
        out.put(column, TargetColumn.of(column, rs.getInt("DATA_TYPE"), rs.getString("TYPE_NAME"),
            rs.getInt("COLUMN_SIZE"), rs.getInt("DECIMAL_DIGITS")));
      }
    }
    return out;
  }

  /** The columns its rows are keyed by, as the sink keys them ({@link TableKey}), or why it has none. */
  TableKey key() throws SQLException {
    final String[] name = split();
    return TableKey.read(connection, name[0], name[1]);
  }

  long count() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + quotedTable())) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Streams every row: its key (the key columns' canonical values joined by {@code |}, as dead letters write keys)
   * and the values of {@code compared}.
   *
   * @return the rows read
   */
  long scan(final List<TargetColumn> key, final List<TargetColumn> compared, final Each each) throws Exception {
    final List<String> select = new ArrayList<>();
    key.forEach(c -> select.add(c.select(quote(c.name()))));
    compared.forEach(c -> select.add(c.select(quote(c.name()))));
    final boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    long n = 0;
    try (Statement s = mariaDb ? connection.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)
        : connection.createStatement()) {
      s.setFetchSize(FETCH);
      try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + quotedTable())) {
        final StringBuilder sb = new StringBuilder();
        while (rs.next()) {
          sb.setLength(0);
          for (int i = 0; i < key.size(); i++) {
            if (i > 0) {
              sb.append('|');
            }
            sb.append(key.get(i).read(rs, i + 1));
          }
          final String[] values = new String[compared.size()];
          for (int i = 0; i < compared.size(); i++) {
            values[i] = compared.get(i).read(rs, key.size() + i + 1);
          }
          each.accept(sb.toString(), values);
          n++;
        }
      }
    } finally {
      connection.rollback();
      connection.setAutoCommit(autoCommit);
    }
    return n;
  }

  private String[] split() throws SQLException {
    final int dot = qualified.indexOf('.');
    return dot < 0 ? new String[] {mariaDb ? connection.getCatalog() : connection.getSchema(), qualified}
        : new String[] {qualified.substring(0, dot), qualified.substring(dot + 1)};
  }

  private String quotedTable() throws SQLException {
    final String[] name = split();
    return quote(name[0]) + "." + quote(name[1]);
  }

  private String quote(final String identifier) {
    final String q = mariaDb ? "`" : "\"";
    return q + identifier.replace(q, q + q) + q;
  }
}
