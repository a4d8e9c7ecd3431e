package dev.ferry.sink;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.PackedApplyRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one batch of apply records and the offsets after them in a single target transaction.
 *
 * <p>The batch is first collapsed to the newest version per (table, key): PostgreSQL refuses a batched
 * upsert that touches one row twice, and the older versions would be overwritten anyway. Rows are then
 * written table by table with batched statements. If the batch fails for a reason that is not
 * transient, it is applied again record by record, each in its own savepoint, so the one bad record is
 * isolated and the rest apply.
 *
 * <p>Does not commit: the caller commits after it has dealt with the failures.
 */
final class BatchWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
  /** Below this many records a refused part of a batch is applied record by record rather than halved again. */
  private static final int ONE_BY_ONE = 8;
  private final TargetDialect dialect;
  private final String versionColumn;
  /** Upserts of at least this many rows of one shape, or deletes of one table, go through {@link CopyMerge}. */
  private final int copyThreshold;
  /** The COPY path; null where the dialect has none. */
  private final CopyMerge copy;
  private final OffsetStore offsets;
  private final Tombstones tombstones;
  /** Versions of the rows of tables without the version column; see {@link RowVersions}. */
  private final RowVersions beside;
  private final TableOrder order;
  private final Map<String, TargetTable> tables = new HashMap<>();
  /** Batches the target refused as a whole, so that they were applied in parts to isolate the refused rows. */
  private final AtomicLong split = new AtomicLong();

  BatchWriter(final TargetDialect dialect, final String versionColumn, final OffsetStore offsets,
      final Tombstones tombstones, final RowVersions beside, final int copyThreshold) {
    this.dialect = dialect;
    this.order = new TableOrder(dialect);
    this.copyThreshold = copyThreshold;
    this.versionColumn = versionColumn;
    this.offsets = offsets;
    this.tombstones = tombstones;
    this.beside = beside;
    this.copy = dialect instanceof PostgresDialect pg ? new CopyMerge(pg, versionColumn, tombstones) : null;
  }

  /** Batches the target refused as a whole so far (each then applied in parts, {@link #isolate}). */
  long splitBatches() {
    return split.get();
  }

  /** A record the target refused, and why. */
  record Failure(ApplyTopicRecord record, SQLException error) {
    /** A foreign-key violation: the referenced row may still arrive, so the record is parked, not dead-lettered. */
    boolean waitsForReferencedRow() {
      return DatabaseErrors.isMissingReference(error);
    }
  }

  /**
   * Writes {@code batch} and {@code next} offsets on {@code c} (auto-commit off), without committing.
   *
   * @return records the target refused permanently; empty when all applied
   * @throws SQLException a transient error; the transaction is rolled back and may be retried
   */
  List<Failure> write(final Connection c, final List<ApplyTopicRecord> batch,
      final Map<TopicPartition, Long> next) throws SQLException {
    final List<Failure> failures = apply(c, batch);
    offsets.write(c, next);
    return failures;
  }

  /**
   * Writes {@code batch} without committing and without offsets: at once if the target accepts it
   * whole, else in halves, each in a savepoint, down to the records the target refuses ({@link #isolate}).
   * The transaction is left open either way.
   *
   * @return records the target refused permanently
   * @throws SQLException a transient error; the transaction is rolled back
   */
  List<Failure> apply(final Connection c, final List<ApplyTopicRecord> batch)
      throws SQLException {
    final List<Failure> failures = new ArrayList<>();
    final List<ApplyTopicRecord> keyed = new ArrayList<>(batch.size());
    for (final ApplyTopicRecord r : batch) {
      final IncompleteKey incomplete = IncompleteKey.of(r.packed(), table(c, r.packed().table()));
      if (incomplete == null) {
        keyed.add(r);
      } else {
        failures.add(new Failure(r, incomplete));
      }
    }
    final List<ApplyTopicRecord> newest = NewestPerRow.of(keyed);
    final Savepoint whole = c.setSavepoint();
    try {
      writeAll(c, newest);
      c.releaseSavepoint(whole);
      return failures;
    } catch (SQLException e) {
      if (DatabaseErrors.isRetried(e)) {
        forgetTablesIfBroken(e);
        c.rollback();
        throw e;
      }
      rollBackTo(c, whole, e);
      // normal when a row is bad (its dead letter follows), or during an initial sync when a row it references
      // is on another partition (it is parked); a fast path failing on good rows shows here too
      split.incrementAndGet();
      // a row waiting for the row it references is expected during an initial sync (it is parked, not failed):
      // not worth a line in a newcomer's terminal
      if (DatabaseErrors.isMissingReference(e)) {
        LOG.debug("batch of {} rows refused as a whole ({}: {}); isolating the refused rows", newest.size(),
            e.getSQLState(), TargetError.of(e).message());
      } else {
        LOG.info("batch of {} rows refused as a whole ({}: {}); isolating the refused rows", newest.size(),
            e.getSQLState(), TargetError.of(e).message());
      }
    }
    isolate(c, inWriteOrder(c, newest), failures);
    return failures;
  }

  /**
   * Applies {@code records} (in write order) in halves, each in a savepoint: a half the target accepts is done
   * in one go, a refused half is halved again, and below {@value #ONE_BY_ONE} records each is tried alone; what
   * is refused alone goes to {@code failures}. So a batch of n rows with k refused (an order whose customer is on
   * another partition, during an initial sync) costs about k log(n/k) statements, not n (each in its own
   * savepoint, which had made a refused batch of 1,000 rows cost a thousand round trips). The halves keep the
   * write order, so a row's parent in the same batch is written before it, as in the whole batch.
   */
  private void isolate(final Connection c, final List<ApplyTopicRecord> records, final List<Failure> failures)
      throws SQLException {
    if (records.size() < ONE_BY_ONE) {
      for (final ApplyTopicRecord r : records) {
        final SQLException refused = tryWrite(c, List.of(r));
        if (refused != null) {
          failures.add(new Failure(r, refused));
        }
      }
      return;
    }
    final int half = records.size() / 2;
    for (final List<ApplyTopicRecord> part : List.of(records.subList(0, half), records.subList(half, records.size()))) {
      if (tryWrite(c, part) != null) {
        isolate(c, part, failures);
      }
    }
  }

  /**
   * Writes {@code records} in a savepoint: null when the target took them, else the refusal, undone.
   *
   * @throws SQLException a transient error; the transaction is rolled back
   */
  private SQLException tryWrite(final Connection c, final List<ApplyTopicRecord> records) throws SQLException {
    final Savepoint sp = c.setSavepoint();
    try {
      writeAll(c, records);
      c.releaseSavepoint(sp);
      return null;
    } catch (SQLException e) {
      if (DatabaseErrors.isRetried(e)) {
        forgetTablesIfBroken(e);
        c.rollback();
        throw e;
      }
      rollBackTo(c, sp, e);
      return e;
    }
  }

  /** {@code records} in the order {@link #writeAll} writes them: upserts parents first, then deletes children first. */
  private List<ApplyTopicRecord> inWriteOrder(final Connection c, final List<ApplyTopicRecord> records)
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
   * Undoes the statements after {@code savepoint}, which failed with {@code cause}. When the savepoint is
   * gone, the server rolled the whole transaction back on that error (MariaDB does on a deadlock, whatever
   * the driver reports it as): that is transient, and the batch is applied again from the start.
   *
   * @throws SQLTransientException when the transaction is gone; it is rolled back
   */
  private static void rollBackTo(final Connection c, final Savepoint savepoint, final SQLException cause)
      throws SQLException {
    try {
      c.rollback(savepoint);
    } catch (SQLException gone) {
      c.rollback();
      final SQLTransientException retry = new SQLTransientException("the target rolled the transaction back after "
          + cause.getSQLState() + " " + TargetError.of(cause).message() + " (" + gone.getMessage() + ")", cause);
      retry.addSuppressed(gone);
      throw retry;
    }
  }

  /**
   * Writes records already collapsed to one per key: upserts table by table in foreign-key order
   * (parents first), skipping any whose row a newer delete removed; then deletes children first,
   * leaving a tombstone for each. Large groups go through {@link CopyMerge}, the rest through batched
   * statements.
   */
  private void writeAll(final Connection c, final List<ApplyTopicRecord> records)
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
      try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
        for (final ApplyRecord a : rows) {
          for (int p = 0; p < source.length; p++) {
            if (source[p] < 0) {
              ps.setLong(p + 1, a.getVersion());
            } else {
              ColumnBinder.bind(ps, p + 1, a.getRow().get(source[p]), types[p], dialect);
            }
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  private void delete(final Connection c, final TargetTable table, final List<PackedApplyRecord> rows)
      throws SQLException {
    final boolean inTable = hasVersionColumn(table);
    try (PreparedStatement ps = c.prepareStatement(dialect.delete(table, inTable ? versionColumn : null).sql())) {
      for (final PackedApplyRecord a : rows) {
        int i = 1;
        for (final String keyColumn : table.primaryKey()) {
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
  private void forgetTablesIfBroken(final SQLException e) {
    if (DatabaseErrors.isBrokenDeployment(e)) {
      tables.clear();
    }
  }

  private TargetTable table(final Connection c, final String name) throws SQLException {
    TargetTable t = tables.get(name);
    if (t == null) {
      t = TargetTable.read(c, name, dialect);
      tables.put(name, t);
    }
    return t;
  }
}
