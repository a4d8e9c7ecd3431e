package dev.ferry.sink;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.PackedApplyRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes rows already collapsed to one per (table, key) into their tables, in one open transaction: upserts table by
 * table in foreign-key order (parents first), each version-guarded and skipping a row a newer delete removed; then
 * deletes children first, each leaving a tombstone. Upserts of one shape or deletes of one table of at least
 * {@code copyThreshold} rows go through {@link CopyMerge} where the dialect has it, the rest through batched
 * statements; a table without the version column has its rows' versions claimed in {@link RowVersions} first.
 *
 * <p>{@link BatchWriter} decides what is written together (a whole batch, or parts of one the target refused);
 * this class only writes, and lets the target's refusal through as the {@link SQLException} it is.
 */
final class RowWriter {
  /** Rows per statement where the dialect's statement takes several ({@link TargetDialect.Rows}). */
  static final int ROWS_PER_STATEMENT = 500;
  /** Parameters one prepared statement may have (MariaDB's and MySQL's limit). */
  private static final int MAX_PARAMETERS = 65_535;
  private final TargetDialect dialect;
  private final String versionColumn;
  /** Upserts of at least this many rows of one shape, or deletes of one table, go through {@link CopyMerge}. */
  private final int copyThreshold;
  /** The COPY path; null where the dialect has none. */
  private final CopyMerge copy;
  private final Tombstones tombstones;
  /** Versions of the rows of tables without the version column; see {@link RowVersions}. */
  private final RowVersions beside;
  private final TableOrder order;
  private final Map<String, TargetTable> tables = new HashMap<>();

  RowWriter(final TargetDialect dialect, final String versionColumn, final Tombstones tombstones,
      final RowVersions beside, final int copyThreshold) {
    this.dialect = dialect;
    this.order = new TableOrder(dialect);
    this.copyThreshold = copyThreshold;
    this.versionColumn = versionColumn;
    this.tombstones = tombstones;
    this.beside = beside;
    this.copy = dialect instanceof PostgresDialect pg ? new CopyMerge(pg, versionColumn, tombstones) : null;
  }

  /** {@code records} in the order {@link #write} writes them: upserts parents first, then deletes children first. */
  List<ApplyTopicRecord> inWriteOrder(final Connection c, final List<ApplyTopicRecord> records)
      throws SQLException {
    final Map<String, List<ApplyTopicRecord>> upserts = new LinkedHashMap<>();
    final Map<String, List<ApplyTopicRecord>> deletes = new LinkedHashMap<>();
    for (final ApplyTopicRecord r : records) {
      (r.packed().op() == ApplyOp.DELETE ? deletes : upserts)
          .computeIfAbsent(r.packed().table(), t -> new ArrayList<>()).add(r);
    }
    final List<ApplyTopicRecord> out = new ArrayList<>(records.size());
    for (final String name : byRank(c, upserts.keySet(), false)) {
      out.addAll(upserts.get(name));
    }
    for (final String name : byRank(c, deletes.keySet(), true)) {
      out.addAll(deletes.get(name));
    }
    return out;
  }

  /**
   * Writes records already collapsed to one per key: upserts table by table in foreign-key order
   * (parents first), skipping any whose row a newer delete removed; then deletes children first,
   * leaving a tombstone for each. Large groups go through {@link CopyMerge}, the rest through batched
   * statements.
   */
  void write(final Connection c, final List<ApplyTopicRecord> records)
      throws SQLException {
    final Map<String, List<PackedApplyRecord>> upsertsByTable = new LinkedHashMap<>();
    final Map<String, List<PackedApplyRecord>> deletes = new LinkedHashMap<>();
    for (final ApplyTopicRecord r : records) {
      final PackedApplyRecord a = r.packed();
      (a.op() == ApplyOp.DELETE ? deletes : upsertsByTable)
          .computeIfAbsent(a.table(), t -> new ArrayList<>()).add(a);
    }
    for (final String name : byRank(c, upsertsByTable.keySet(), false)) {
      final List<PackedApplyRecord> rows = upsertsByTable.get(name);
      final Map<List<String>, List<PackedApplyRecord>> byShape = new LinkedHashMap<>();
      List<String> lastShape = null;
      List<PackedApplyRecord> lastGroup = null;
      for (final PackedApplyRecord a : rows) {
        // rows of one shape usually share one list (PackedApplyRecord#columns): identity first
        if (lastShape == null || a.columns() != lastShape && !a.columns().equals(lastShape)) {
          lastShape = a.columns();
          lastGroup = byShape.computeIfAbsent(lastShape, t -> new ArrayList<>());
        }
        lastGroup.add(a);
      }
      for (final List<PackedApplyRecord> sameShape : byShape.values()) {
        upsert(c, sameShape);
      }
    }
    for (final String name : byRank(c, deletes.keySet(), true)) {
      final TargetTable table = table(c, name);
      List<PackedApplyRecord> rows = deletes.get(name);
      if (hasVersionColumn(table) && copy != null && rows.size() >= copyThreshold) {
        copy.delete(c, name, table, rows);
        continue;
      }
      if (!hasVersionColumn(table)) {
        rows = claimed(c, name, rows, PackedApplyRecord::key, PackedApplyRecord::version);
      }
      delete(c, table, rows);
      final Map<String, Long> versions = new LinkedHashMap<>();
      rows.forEach(a -> versions.merge(Columns.keyText(a.key()), a.version(), Math::max));
      tombstones.record(c, name, versions);
    }
  }

  private List<String> byRank(final Connection c, final java.util.Set<String> names, final boolean childrenFirst)
      throws SQLException {
    final Map<String, TargetTable> byName = new LinkedHashMap<>();
    for (final String n : names) {
      byName.put(n, table(c, n));
    }
    return order.sorted(c, byName, childrenFirst);
  }

  /** {@code rows} without those a delete of a higher or equal version already removed. */
  private List<ApplyRecord> notDeletedLater(final Connection c, final String table, final List<ApplyRecord> rows)
      throws SQLException {
    final List<String> keys = new ArrayList<>(rows.size());
    for (final ApplyRecord a : rows) {
      keys.add(Columns.keyText(a.getKey()));
    }
    final Map<String, Long> deleted = tombstones.versions(c, table, keys);
    if (deleted.isEmpty()) {
      return rows;
    }
    final List<ApplyRecord> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      final ApplyRecord a = rows.get(i);
      final Long deletedAt = deleted.get(keys.get(i));
      if (deletedAt == null || a.getVersion() > deletedAt) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * Upserts rows of one table with the same columns, skipping those a newer delete removed: through
   * {@link CopyMerge} from their bytes, or decoded and bound to batched statements.
   */
  private void upsert(final Connection c, final List<PackedApplyRecord> sameShape) throws SQLException {
    final PackedApplyRecord first = sameShape.get(0);
    final TargetTable table = table(c, first.table());
    final List<String> columns = first.columns();
    final boolean inTable = hasVersionColumn(table);
    if (inTable && copy != null && sameShape.size() >= copyThreshold) {
      copy.upsert(c, first.table(), table, columns, sameShape);
      return;
    }
    final List<ApplyRecord> decoded = new ArrayList<>(sameShape.size());
    for (final PackedApplyRecord a : sameShape) {
      decoded.add(a.unpack());
    }
    List<ApplyRecord> rows = notDeletedLater(c, first.table(), decoded);
    if (!inTable) {
      rows = claimed(c, first.table(), rows, ApplyRecord::getKey, ApplyRecord::getVersion);
    }
    for (final TargetDialect.WriteStatement statement : dialect.upsert(table, columns,
        inTable ? versionColumn : null)) {
      final int[] source = new int[statement.parameters().size()];
      final int[] types = new int[source.length];
      for (int p = 0; p < source.length; p++) {
        final String name = statement.parameters().get(p);
        source[p] = inTable && name.equals(versionColumn) ? -1 : columns.indexOf(name);
        types[p] = table.columnTypes().getOrDefault(name, Types.OTHER);
      }
      if (statement.rows() != null && rows.size() > 1) {
        multiRow(c, statement.rows(), source, types, rows);
        continue;
      }
      try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
        for (final ApplyRecord a : rows) {
          bind(ps, 0, source, types, a);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  /**
   * {@code rows} through a statement that takes up to {@link #ROWS_PER_STATEMENT} of them at once: full statements
   * batched, then one for the rest. The batch holds each key once (collapsed before), so no two rows of one statement
   * meet; a refusal fails the statement whole, and {@link BatchWriter} isolates the row as with one per row.
   */
  private void multiRow(final Connection c, final TargetDialect.Rows statement, final int[] source, final int[] types,
      final List<ApplyRecord> rows) throws SQLException {
    final int per = Math.max(1, Math.min(ROWS_PER_STATEMENT, MAX_PARAMETERS / source.length));
    final int full = rows.size() / per;
    if (full > 0) {
      try (PreparedStatement ps = c.prepareStatement(statement.sql(per))) {
        for (int s = 0; s < full; s++) {
          for (int r = 0; r < per; r++) {
            bind(ps, r * source.length, source, types, rows.get(s * per + r));
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    final int rest = rows.size() - full * per;
    if (rest > 0) {
      try (PreparedStatement ps = c.prepareStatement(statement.sql(rest))) {
        for (int r = 0; r < rest; r++) {
          bind(ps, r * source.length, source, types, rows.get(full * per + r));
        }
        ps.executeUpdate();
      }
    }
  }

  /** Binds {@code a}'s values to the parameters after {@code offset}: the version, or its column's value. */
  private void bind(final PreparedStatement ps, final int offset, final int[] source, final int[] types,
      final ApplyRecord a) throws SQLException {
    for (int p = 0; p < source.length; p++) {
      if (source[p] < 0) {
        ps.setLong(offset + p + 1, a.getVersion());
      } else {
        ColumnBinder.bind(ps, offset + p + 1, a.getRow().get(source[p]), types[p], dialect);
      }
    }
  }

  private void delete(final Connection c, final TargetTable table, final List<PackedApplyRecord> rows)
      throws SQLException {
    final boolean inTable = hasVersionColumn(table);
    try (PreparedStatement ps = c.prepareStatement(dialect.delete(table, inTable ? versionColumn : null).sql())) {
      for (final PackedApplyRecord a : rows) {
        int i = 1;
        for (final String keyColumn : table.key()) {
          final ColumnValue v = keyValue(table, a.key(), keyColumn);
          ColumnBinder.bind(ps, i++, v, table.columnTypes().getOrDefault(keyColumn, Types.OTHER), dialect);
        }
        if (inTable) {
          ps.setLong(i, a.version());
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * The value of the target's key column {@code keyColumn} in the mapped {@code key} of a delete.
   *
   * @throws SQLException (a data error, so the delete is dead-lettered) when the mapped key lacks it
   */
  static ColumnValue keyValue(final TargetTable table, final List<ColumnValue> key, final String keyColumn)
      throws SQLException {
    final ColumnValue v = Columns.find(key, keyColumn);
    if (v == null) {
      throw new SQLException("delete for " + table.name() + " lacks key column " + keyColumn + " (mapped key: "
          + key + ")", "22023");
    }
    return v;
  }

  /** Whether {@code table} holds its rows' versions itself; else {@link RowVersions} keeps them beside it. */
  private boolean hasVersionColumn(final TargetTable table) {
    return table.columnTypes().containsKey(versionColumn);
  }

  /** {@code rows} (one per key) that {@link RowVersions#claim} lets this batch write. */
  private <T> List<T> claimed(final Connection c, final String table, final List<T> rows,
      final java.util.function.Function<T, List<ColumnValue>> key, final java.util.function.ToLongFunction<T> version)
      throws SQLException {
    final Map<String, Long> versions = new LinkedHashMap<>();
    final List<String> keys = new ArrayList<>(rows.size());
    for (final T r : rows) {
      final String k = Columns.keyText(key.apply(r));
      keys.add(k);
      versions.merge(k, version.applyAsLong(r), Math::max);
    }
    final java.util.Set<String> mine = beside.claim(c, table, versions);
    final List<T> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      if (mine.contains(keys.get(i)) && versions.get(keys.get(i)) == version.applyAsLong(rows.get(i))) {
        out.add(rows.get(i));
      }
    }
    return out;
  }

  /** After a broken deployment the target is being changed: its tables are read again when next written. */
  void forgetTablesIfBroken(final SQLException e) {
    if (DatabaseErrors.isBrokenDeployment(e)) {
      tables.clear();
    }
  }

  /** The target table {@code name}, read from the database's catalogue once, until {@link #forgetTablesIfBroken}. */
  TargetTable table(final Connection c, final String name) throws SQLException {
    TargetTable t = tables.get(name);
    if (t == null) {
      t = TargetTable.read(c, name, dialect);
      tables.put(name, t);
    }
    return t;
  }
}
