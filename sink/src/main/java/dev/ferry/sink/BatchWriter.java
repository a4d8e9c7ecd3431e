package dev.ferry.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one batch of apply records and the offsets after them in a single target transaction.
 *
 * <p>The batch is first collapsed to the newest version per (table, key): PostgreSQL refuses a batched
 * upsert that touches one row twice, and the older versions would be overwritten anyway. {@link RowWriter} then
 * writes the rows table by table in foreign-key order. If the target refuses the batch for a reason that is not
 * transient, it is applied again in halves, each in a savepoint, down to the records it refuses ({@link #isolate}),
 * so that the bad records are isolated and the rest apply. Where it was refused for a missing referenced row (an
 * initial sync: an order before its customer), the rows that wait for one are found by asking the target first
 * ({@link MissingReferences}), and the rest is written whole. Where a unique key refused the collapsed batch and
 * some row changed more than once in it, the batch is first written change by change in its order ({@link
 * SourceOrder}): a value moved between rows through an intermediate value passes only so.
 *
 * <p>Does not commit: the caller commits after it has dealt with the failures.
 */
final class BatchWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
  /** Below this many records a refused part of a batch is applied record by record rather than halved again. */
  private static final int ONE_BY_ONE = 8;
  /** Writes the rows of a batch, or of a part of one. */
  private final RowWriter rows;
  /** Finds the rows of a refused batch that wait for a referenced row; null where the dialect has no such check. */
  private final MissingReferences references;
  private final OffsetStore offsets;
  /**
   * Whether the next batch is checked for rows waiting for a referenced row before it is written: the last check found
   * some.
   */
  private boolean checkFirst;
  /** Batches the target refused as a whole, so that they were applied in parts to isolate the refused rows. */
  private final AtomicLong split = new AtomicLong();
  /** While parked rows are retried ({@link #retry}), on the writer's thread as everything here. */
  private boolean retrying;
  private final RoundedDecimal.Check rounded = new RoundedDecimal.Check();

  BatchWriter(final TargetDialect dialect, final String versionColumn, final OffsetStore offsets,
      final Tombstones tombstones, final RowVersions beside, final int copyThreshold) {
    this.rows = new RowWriter(dialect, versionColumn, tombstones, beside, copyThreshold);
    this.references = MissingReferences.of(dialect);
    this.offsets = offsets;
  }

  /** Batches the target refused as a whole so far (each then applied in parts, {@link #isolate}). */
  long splitBatches() {
    return split.get();
  }

  /** A record the target refused, and why. */
  record Failure(ApplyTopicRecord record, SQLException error) {
    /**
     * A refusal that another row's change may resolve, so the record is parked, not dead-lettered: a foreign-key
     * violation (the referenced row may still arrive) or a unique clash (the row holding the value may still give it
     * up). Either change can come on another partition, in another batch.
     */
    boolean waits() {
      return waitsForReferencedRow() || waitsForUniqueValue();
    }

    /** A unique clash: another row holds the value (and waits {@code sink.parked-unique-timeout} at most). */
    boolean waitsForUniqueValue() {
      return DatabaseErrors.isUniqueClash(error);
    }

    /** A foreign-key violation: the referenced row is not there yet (or, a delete, a referencing row still is). */
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
      final TargetTable table = rows.table(c, r.packed().table());
      final IncompleteKey incomplete = IncompleteKey.of(r.packed(), table);
      final SinkRefusal refused = incomplete != null ? incomplete : rounded.of(r.packed(), table);
      if (refused == null) {
        keyed.add(r);
      } else {
        failures.add(new Failure(r, refused));
      }
    }
    final List<ApplyTopicRecord> newest = NewestPerRow.of(keyed);
    if (checkFirst) {
      // the last check found rows waiting (an initial sync): this batch likely has some too, and a write that the
      // target refuses at its end costs as much as one it takes
      writeAllButWaiting(c, rows.inWriteOrder(c, newest), failures, false);
      return failures;
    }
    final Savepoint whole = c.setSavepoint();
    final SQLException failed;
    try {
      rows.write(c, newest);
      c.releaseSavepoint(whole);
      return failures;
    } catch (SQLException e) {
      undo(c, whole, e);
      if (DatabaseErrors.isUniqueClash(e) && keyed.size() > newest.size()) {
        final Set<NewestPerRow.RowKey> held = SourceOrder.apply(c, keyed, r -> rows.write(c, List.of(r)),
            (sp, refused) -> undo(c, sp, refused));
        if (held != null && held.isEmpty()) {
          return failures;
        }
        if (held != null && held.size() < newest.size()) {
          // the rest applied in order; what it did not get past takes the usual way, a refused row alone
          final List<ApplyTopicRecord> left = new ArrayList<>();
          newest.forEach(r -> {
            if (held.contains(NewestPerRow.RowKey.of(r.packed()))) {
              left.add(r);
            }
          });
          countSplit();
          isolate(c, rows.inWriteOrder(c, left), failures);
          return failures;
        }
      }
      failed = e;
      // normal when a row is bad (its dead letter follows), or during an initial sync when a row it references
      // is on another partition (it is parked); a fast path failing on good rows shows here too
      countSplit();
      // a row waiting for the row it references is expected during an initial sync (it is parked, not failed):
      // not worth a line in a newcomer's terminal; nor is a parked row's retry
      if (retrying || DatabaseErrors.isMissingReference(e)) {
        LOG.debug("batch of {} rows refused as a whole ({}: {}); isolating the refused rows", newest.size(),
            e.getSQLState(), TargetError.of(e).message());
      } else {
        LOG.info("batch of {} rows refused as a whole ({}: {}); isolating the refused rows", newest.size(),
            e.getSQLState(), TargetError.of(e).message());
      }
    }
    final List<ApplyTopicRecord> ordered = rows.inWriteOrder(c, newest);
    if (references != null && DatabaseErrors.isMissingReference(failed)) {
      writeAllButWaiting(c, ordered, failures, true);
    } else {
      isolate(c, ordered, failures);
    }
    return failures;
  }

  /**
   * As {@link #apply(Connection, List)}, for parked rows tried again: a refusal is what parked them and was logged
   * then ({@link SinkProgress} counts them meanwhile), so it is not logged at every retry, about once a second for as
   * long as a row waits.
   */
  List<Failure> retry(final Connection c, final List<ApplyTopicRecord> parked) throws SQLException {
    retrying = true;
    try {
      return apply(c, parked);
    } finally {
      retrying = false;
    }
  }

  /**
   * Counts a batch the target refused whole ({@code ferry_sink_batches_split_total}); not a retry of parked rows,
   * which the target refuses whole for as long as they wait (a row waiting 30 s for a unique value counted 40).
   */
  private void countSplit() {
    if (!retrying) {
      split.incrementAndGet();
    }
  }


  /**
   * Writes {@code ordered} but for the rows {@link MissingReferences} finds waiting for a referenced row, which go to
   * {@code failures} (so they are parked); what the target still refuses of the rest is isolated in halves. The next
   * batches are checked before they are first written for as long as checks find rows waiting.
   *
   * @param refused whether the target refused {@code ordered} already (else it was checked first)
   */
  private void writeAllButWaiting(final Connection c, final List<ApplyTopicRecord> ordered,
      final List<Failure> failures, final boolean refused) throws SQLException {
    final Map<ApplyTopicRecord, SQLException> waiting;
    final Savepoint check = c.setSavepoint();
    try {
      waiting = references.waiting(c, ordered, name -> rows.table(c, name));
      c.releaseSavepoint(check);
    } catch (SQLException e) {
      // a key the check cannot even compare (text for a number, say): that row's refusal is found by isolating it
      undo(c, check, e);
      LOG.debug("the check for rows waiting for a referenced row failed ({}: {}); isolating the refused rows",
          e.getSQLState(), TargetError.of(e).message());
      checkFirst = false;
      if (refused) {
        isolate(c, ordered, failures);
      } else {
        writeOrIsolate(c, ordered, failures, true);
      }
      return;
    }
    checkFirst = !waiting.isEmpty();
    final List<ApplyTopicRecord> rest = new ArrayList<>(ordered.size());
    for (final ApplyTopicRecord r : ordered) {
      final SQLException why = waiting.get(r);
      if (why == null) {
        rest.add(r);
      } else {
        failures.add(new Failure(r, why));
      }
    }
    if (rest.isEmpty()) {
      return;
    }
    if (refused && waiting.isEmpty()) {
      // the refusal lies elsewhere (a referenced row deleted meanwhile, say)
      isolate(c, rest, failures);
    } else {
      writeOrIsolate(c, rest, failures, !refused);
    }
  }

  /**
   * Writes {@code records} whole, or, where the target refuses them, in halves ({@link #isolate}); {@code countSplit}:
   * a batch not counted as refused yet.
   */
  private void writeOrIsolate(final Connection c, final List<ApplyTopicRecord> records, final List<Failure> failures,
      final boolean countSplit) throws SQLException {
    if (tryWrite(c, records) != null) {
      if (countSplit) {
        countSplit();
      }
      isolate(c, records, failures);
    }
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
      rows.write(c, records);
      c.releaseSavepoint(sp);
      return null;
    } catch (SQLException e) {
      undo(c, sp, e);
      return e;
    }
  }

  /**
   * Undoes what failed with {@code e} since {@code savepoint}. A transient error is thrown, the transaction rolled back
   * (the batch is applied again from the start).
   */
  private void undo(final Connection c, final Savepoint savepoint, final SQLException e) throws SQLException {
    if (DatabaseErrors.isRetried(e)) {
      forgetTablesIfBroken(e);
      c.rollback();
      throw e;
    }
    rollBackTo(c, savepoint, e);
  }

  /** After a broken deployment the target is being changed: its tables and keys are read again when next written. */
  private void forgetTablesIfBroken(final SQLException e) {
    rows.forgetTablesIfBroken(e);
    if (references != null && DatabaseErrors.isBrokenDeployment(e)) {
      references.forget();
    }
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
}
