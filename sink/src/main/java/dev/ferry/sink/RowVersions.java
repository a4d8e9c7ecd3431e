package dev.ferry.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Row versions kept beside target tables that have no version column: a database Ferry may not alter,
 * such as the legacy one when the sync runs the other way after cutover. One table of Ferry's own
 * ({@code sink.row-versions-table}) holds (table, row key, version), the key in the text form tombstones
 * use.
 *
 * <p>A write {@linkplain #claim claims} its rows first: each key's entry is raised to the write's version
 * unless it holds a higher one, which locks the entry until the transaction ends, so a concurrent writer of
 * the same key waits; then the entries are read back. A row whose entry holds its own version is written;
 * a higher one means a newer change of that row was applied, and the row is skipped. So such a table never
 * goes back in time either, without a column of Ferry's in it.
 *
 * <p>An entry outlives its row's delete (it guards the delete as a tombstone would, without expiry): the
 * table grows with the keys ever written, not with the changes.
 */
final class RowVersions {
  private final TargetDialect dialect;
  private final String table;

  RowVersions(final TargetDialect dialect, final String table) {
    this.dialect = dialect;
    this.table = dialect.quote(table);
  }

  void create(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (table_name " + dialect.keyText(128) + " NOT NULL, row_key "
          + dialect.keyText(512) + " NOT NULL, version bigint NOT NULL, PRIMARY KEY (table_name, row_key))");
    }
  }

  /**
   * Raises each key's entry of {@code targetTable} to its version in {@code versions} where lower or missing,
   * and returns the keys that may be written: those whose entry now holds exactly their version.
   */
  java.util.Set<String> claim(final Connection c, final String targetTable, final Map<String, Long> versions)
      throws SQLException {
    final java.util.Set<String> mine = new java.util.HashSet<>();
    if (versions.isEmpty()) {
      return mine;
    }
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table) + " (table_name, row_key, version) "
        + "VALUES (?, ?, ?) " + dialect.onKeyConflict(List.of("table_name", "row_key")) + " version = GREATEST("
        + dialect.existing("version") + ", " + dialect.incoming("version") + ")")) {
      for (final Map.Entry<String, Long> e : versions.entrySet()) {
        ps.setString(1, targetTable);
        ps.setString(2, e.getKey());
        ps.setLong(3, e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    final Map<String, Long> stored = new HashMap<>();
    dialect.selectIn(c, "SELECT row_key, version FROM " + table + " WHERE table_name = ? AND", "row_key",
        targetTable, new ArrayList<>(versions.keySet()), rs -> stored.put(rs.getString(1), rs.getLong(2)));
    for (final Map.Entry<String, Long> e : versions.entrySet()) {
      if (e.getValue().equals(stored.get(e.getKey()))) {
        mine.add(e.getKey());
      }
    }
    return mine;
  }
}
