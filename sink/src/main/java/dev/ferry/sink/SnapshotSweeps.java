package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.SnapshotSweep;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import dev.ferry.history.RunHistory;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from the target the rows a snapshot no longer holds: rows deleted from the legacy database while
 * nothing captured them (a lost replication slot), or rows the target has that the legacy table never had.
 *
 * <p>A snapshot writes every row its legacy table holds at a version at or above its sweep version, and every
 * change after it is above too ({@code RowVersion}). So once everything before the snapshot's end marker has been
 * applied, a row of its tables that Ferry wrote below that version was not in the snapshot: it is gone from the
 * legacy table and is deleted here. Rows Ferry did not write (no version) are never touched.
 *
 * <p><b>Barrier.</b> The marker reaches every apply partition once from each CDC partition, for each target table
 * the snapshot covered. Each arrival is recorded in the sweeps table, in the transaction that applies the records
 * before it and stores the partition's offset, so a crash neither loses nor doubles one. The arrival that completes
 * the set deletes, in the same transaction, children first. Sink instances on other machines meet in the same
 * table: the sweep's head row is locked while an arrival is recorded, so exactly one of them sees the set complete.
 *
 * <p>A row that rows of a table outside the snapshot still reference (a foreign key) is kept and counted in a
 * warning: the set-based delete is refused, and the rows nothing references are then deleted in one statement
 * ({@link #unreferenced}; one at a time, each in a savepoint, only where the target refuses that statement too).
 */
final class SnapshotSweeps {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSweeps.class);
  private static final String HEAD = "";

  private final TargetDialect dialect;
  private final String table;
  private final String versionColumn;
  private final String versionColumnName;
  private final boolean enabled;
  private final RunHistory history;
  private final TableOrder order;

  SnapshotSweeps(final TargetDialect dialect, final String table, final String versionColumn, final boolean enabled,
      final RunHistory history) {
    this.history = history;
    this.dialect = dialect;
    this.table = dialect.quote(table);
    this.versionColumn = dialect.quote(versionColumn);
    this.versionColumnName = versionColumn;
    this.enabled = enabled;
    this.order = new TableOrder(dialect);
  }

  void create(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (sweep_id " + dialect.keyText(200) + " NOT NULL, table_name "
          + dialect.keyText(128) + " NOT NULL, from_partition int NOT NULL, apply_partition int NOT NULL, "
          + "removed bigint, at " + dialect.timestampNow() + ", "
          + "PRIMARY KEY (sweep_id, table_name, from_partition, apply_partition))");
    }
  }

  /**
   * Records that {@code marker} (an apply record of op SWEEP) passed apply partition {@code applyPartition} of
   * {@code applyPartitions}, in the caller's transaction; when that completes its snapshot's set, deletes.
   *
   * @return rows deleted by this call
   */
  long passed(final Connection c, final ApplyRecord marker, final int applyPartition, final int applyPartitions)
      throws SQLException {
    final SnapshotSweep sweep = marker.getSweep();
    if (sweep == null || sweep.getTables().isEmpty()) {
      return 0;
    }
    insertIfAbsent(c, sweep.getId(), HEAD, -1, -1);
    if (finished(c, sweep.getId())) {
      return 0;
    }
    insertIfAbsent(c, sweep.getId(), marker.getTable(), sweep.getPartition(), applyPartition);
    final long expected = (long) sweep.getTables().size() * sweep.getPartitions() * applyPartitions;
    final long arrived = arrivals(c, sweep.getId());
    if (arrived < expected) {
      return 0;
    }
    long removed = 0;
    if (enabled) {
      for (final TargetTable t : childrenFirst(c, sweep.getTables())) {
        if (!t.columnTypes().containsKey(versionColumnName)) {
          LOG.warn("sweep {}: {} has no version column {}, so Ferry cannot tell the rows it wrote before the snapshot "
              + "from others; rows the snapshot did not hold stay", sweep.getId(), t.sqlName(dialect),
              versionColumnName);
          continue;
        }
        final long n = sweep(c, t, sweep.getVersion());
        removed += n;
        // a TRUNCATE of an append-only legacy table ends as a snapshot that read nothing (its sweep id says so)
        LOG.info("sweep {}: {} rows of {} {} (Ferry wrote them below version {}) and are gone from the legacy "
            + "database; deleted", sweep.getId(), n, t.sqlName(dialect), sweep.getId().startsWith("truncate-")
            ? "were written before a TRUNCATE of the legacy table" : "were not in the snapshot", sweep.getVersion());
      }
    } else {
      LOG.info("sweep {} of {} complete; sink.snapshot-deletes is off, so rows the snapshot did not hold stay",
          sweep.getId(), sweep.getTables());
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET removed = ? WHERE sweep_id = ? AND "
        + "table_name = ? AND from_partition = -1 AND apply_partition = -1")) {
      ps.setLong(1, removed);
      ps.setString(2, sweep.getId());
      ps.setString(3, HEAD);
      ps.executeUpdate();
    }
    history.record(c, RunHistory.Kind.SNAPSHOT_APPLIED, String.format(java.util.Locale.ROOT, "snapshot %s of %s "
        + "applied; %,d rows the legacy tables no longer hold %s", sweep.getId(), sweep.getTables(), removed,
        enabled ? "deleted" : "(deletes off)"), java.util.Map.of("sweep", sweep.getId(), "tables", sweep.getTables(),
        "version", sweep.getVersion(), "rowsDeleted", removed));
    return removed;
  }

  private void insertIfAbsent(final Connection c, final String id, final String tableName, final int from,
      final int to) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertInto(table) + " (sweep_id, table_name, "
        + "from_partition, apply_partition) VALUES (?, ?, ?, ?) " + dialect.onKeyConflict(List.of("sweep_id",
        "table_name", "from_partition", "apply_partition")) + " removed = " + dialect.existing("removed"))) {
      ps.setString(1, id);
      ps.setString(2, tableName);
      ps.setInt(3, from);
      ps.setInt(4, to);
      ps.executeUpdate();
    }
  }

  /** Locks the sweep's head row (arrivals of one sweep are recorded one at a time) and says whether it is done. */
  private boolean finished(final Connection c, final String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT removed FROM " + table + " WHERE sweep_id = ? AND "
        + "table_name = ? AND from_partition = -1 AND apply_partition = -1 FOR UPDATE")) {
      ps.setString(1, id);
      ps.setString(2, HEAD);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        rs.getLong(1);
        return !rs.wasNull();
      }
    }
  }

  private long arrivals(final Connection c, final String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE sweep_id = ? AND "
        + "from_partition >= 0")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private List<TargetTable> childrenFirst(final Connection c, final List<String> names) throws SQLException {
    final Map<TargetTable, TargetTable> tables = new LinkedHashMap<>();
    for (final String n : names) {
      final TargetTable t = TargetTable.read(c, n, dialect);
      tables.put(t, t);
    }
    return order.sorted(c, tables, true);
  }

  /**
   * Deletes {@code t}'s rows below {@code version}: at once, else (a foreign key refused) those nothing references
   * ({@link #unreferenced}). The plain statement comes first because the foreign key is checked when it ends: rows
   * that reference each other and all go (a tree in a table that references itself) go together, where the
   * {@code NOT EXISTS} form would keep every one another references.
   */
  private long sweep(final Connection c, final TargetTable t, final long version) throws SQLException {
    final Savepoint sp = c.setSavepoint();
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.sqlName(dialect) + " WHERE " + versionColumn
        + " < ?")) {
      ps.setLong(1, version);
      final long n = ps.executeUpdate();
      c.releaseSavepoint(sp);
      return n;
    } catch (SQLException e) {
      if (DatabaseErrors.isRetried(e) || !DatabaseErrors.isMissingReference(e)) {
        throw e;
      }
      c.rollback(sp);
      return unreferenced(c, t, version);
    }
  }

  /**
   * Deletes {@code t}'s rows below {@code version} that no row of another table references (through a foreign key
   * that refuses the delete), in one statement, and warns of those kept. Rows one by one, each in a savepoint, as
   * before, only where that statement is refused too (MariaDB takes no subquery on the table it deletes from: a
   * table that references itself): thousands of savepoints in one transaction ran PostgreSQL out of lock memory
   * ({@code out of shared memory}), and the sink retried that sweep without end.
   */
  private long unreferenced(final Connection c, final TargetTable t, final long version) throws SQLException {
    final List<String> notReferenced = new ArrayList<>();
    final Map<String, List<String[]>> keys = new LinkedHashMap<>();
    try (ResultSet rs = dialect.exportedKeys(c.getMetaData(), t.schema(), t.name())) {
      while (rs.next()) {
        final int rule = rs.getInt("DELETE_RULE");
        if (rule == DatabaseMetaData.importedKeyRestrict || rule == DatabaseMetaData.importedKeyNoAction) {
          final String child = (dialect.referencingNamespace(rs) == null ? ""
              : dialect.quote(dialect.referencingNamespace(rs)) + ".") + dialect.quote(rs.getString("FKTABLE_NAME"));
          keys.computeIfAbsent(child + " " + rs.getString("FK_NAME"), k -> new ArrayList<>())
              .add(new String[] {child, rs.getString("FKCOLUMN_NAME"), rs.getString("PKCOLUMN_NAME")});
        }
      }
    }
    for (final List<String[]> fk : keys.values()) {
      final StringBuilder match = new StringBuilder();
      for (final String[] column : fk) {
        match.append(match.isEmpty() ? "" : " AND ").append("r.").append(dialect.quote(column[1])).append(" = ")
            .append(dialect.quote(t.name())).append('.').append(dialect.quote(column[2]));
      }
      notReferenced.add(" AND NOT EXISTS (SELECT 1 FROM " + fk.get(0)[0] + " r WHERE " + match + ")");
    }
    final Savepoint sp = c.setSavepoint();
    final long removed;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.sqlName(dialect) + " WHERE "
        + dialect.quote(t.name()) + "." + versionColumn + " < ?" + String.join("", notReferenced))) {
      ps.setLong(1, version);
      removed = ps.executeUpdate();
      c.releaseSavepoint(sp);
    } catch (SQLException e) {
      if (DatabaseErrors.isRetried(e)) {
        throw e;
      }
      c.rollback(sp);
      return oneByOne(c, t, version);
    }
    final long kept = countBelow(c, t, version);
    warnKept(t, kept);
    return removed;
  }

  private void warnKept(final TargetTable t, final long kept) {
    if (kept > 0) {
      LOG.warn("{} rows of {} are gone from the legacy database but kept in the target: rows of a table outside the "
          + "re-snapshot still reference them (foreign key); re-snapshot that table too", kept, t.sqlName(dialect));
    }
  }

  private long countBelow(final Connection c, final TargetTable t, final long version) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + t.sqlName(dialect) + " WHERE "
        + versionColumn + " < ?")) {
      ps.setLong(1, version);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private long oneByOne(final Connection c, final TargetTable t, final long version) throws SQLException {
    final List<String> key = t.key();
    final List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT " + dialect.quotedList(key) + " FROM " + t.sqlName(dialect)
        + " WHERE " + versionColumn + " < ?")) {
      ps.setLong(1, version);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          final Object[] values = new Object[key.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = rs.getObject(i + 1);
          }
          rows.add(values);
        }
      }
    }
    long removed = 0;
    long kept = 0;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.sqlName(dialect) + " WHERE "
        + dialect.keyMatch(key, "") + " AND " + versionColumn + " < ?")) {
      for (final Object[] values : rows) {
        for (int i = 0; i < values.length; i++) {
          ps.setObject(i + 1, values[i]);
        }
        ps.setLong(values.length + 1, version);
        final Savepoint sp = c.setSavepoint();
        try {
          removed += ps.executeUpdate();
          c.releaseSavepoint(sp);
        } catch (SQLException e) {
          if (DatabaseErrors.isRetried(e) || !DatabaseErrors.isMissingReference(e)) {
            throw e;
          }
          c.rollback(sp);
          kept++;
        }
      }
    }
    warnKept(t, kept);
    return removed;
  }
}
