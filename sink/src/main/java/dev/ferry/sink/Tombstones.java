package dev.ferry.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Remembers deleted rows with the version of their delete, so that an older update arriving after the
 * delete (a redelivery reordered by a restart) cannot bring the row back. Kept in the target, written
 * in the same transaction as the delete. Tombstones older than the retention are purged: by then no
 * older change can still be in flight.
 */
final class Tombstones {
  private final TargetDialect dialect;
  private final String table;

  Tombstones(final TargetDialect dialect, final String table) {
    this.dialect = dialect;
    this.table = dialect.quote(table);
  }

  void create(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (table_name " + dialect.keyText(128) + " NOT NULL, row_key "
          + dialect.keyText(512) + " NOT NULL, version bigint NOT NULL, deleted_at " + dialect.timestampNow()
          + ", PRIMARY KEY (table_name, row_key))");
    }
  }

  /** Delete versions of the given keys of {@code targetTable} that have a tombstone. */
  Map<String, Long> versions(final Connection c, final String targetTable, final Collection<String> keys)
      throws SQLException {
    final Map<String, Long> out = new HashMap<>();
    if (keys.isEmpty()) {
      return out;
    }
    dialect.selectIn(c, "SELECT row_key, version FROM " + table + " WHERE table_name = ? AND", "row_key",
        targetTable, keys instanceof List<String> l ? l : new ArrayList<>(keys),
        rs -> out.put(rs.getString(1), rs.getLong(2)));
    return out;
  }

  /** Whether {@code targetTable} has a tombstone: a delete of one of its rows within the retention. */
  boolean any(final Connection c, final String targetTable) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + table + " WHERE table_name = ? LIMIT 1")) {
      ps.setString(1, targetTable);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** The conflict clause of a tombstone insert: a key already there keeps the higher of the two versions. */
  private String keepingTheHighestVersion() {
    return dialect.onKeyConflict(List.of("table_name", "row_key")) + " version = GREATEST(" + dialect.existing("version")
        + ", " + dialect.incoming("version") + "), deleted_at = " + dialect.now();
  }

  /** Records deletes (key -> version), keeping the highest version per key. */
  void record(final Connection c, final String targetTable, final Map<String, Long> deletes) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table) + " (table_name, row_key, version) "
        + "VALUES (?, ?, ?) " + keepingTheHighestVersion())) {
      for (final Map.Entry<String, Long> e : deletes.entrySet()) {
        ps.setString(1, targetTable);
        ps.setString(2, e.getKey());
        ps.setLong(3, e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Deletes from {@code stage} (staged upserts of {@code targetTable}, PostgreSQL) the rows that a
   * delete of a higher or equal version already removed; the stage holds each row's key text in
   * {@code keyColumn} and its version in {@code versionColumn}.
   */
  void dropDeletedLater(final Connection c, final String targetTable, final String stage, final String keyColumn,
      final String versionColumn) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + stage + " s USING " + table + " d WHERE "
        + "d.table_name = ? AND d.row_key = s." + keyColumn + " AND d.version >= s." + versionColumn)) {
      ps.setString(1, targetTable);
      ps.executeUpdate();
    }
  }

  /** Records the deletes staged in {@code stage} (as for {@link #dropDeletedLater}), keeping the highest version per key. */
  void recordStaged(final Connection c, final String targetTable, final String stage, final String keyColumn,
      final String versionColumn) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table) + " (table_name, row_key, version) "
        + "SELECT ?, " + keyColumn + ", max(" + versionColumn + ") FROM " + stage + " GROUP BY " + keyColumn + " "
        + keepingTheHighestVersion())) {
      ps.setString(1, targetTable);
      ps.executeUpdate();
    }
  }

  /** Removes tombstones older than {@code retention}; returns how many. */
  int purge(final Connection c, final Duration retention) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE "
        + dialect.olderThanMicros("deleted_at"))) {
      ps.setLong(1, retention.toNanos() / 1000);
      return ps.executeUpdate();
    }
  }
}
