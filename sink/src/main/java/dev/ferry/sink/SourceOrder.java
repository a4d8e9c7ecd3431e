package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.PackedApplyRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch's changes one by one, in the order they came, for the one refusal their collapse ({@link NewestPerRow})
 * causes: a unique value moved between rows through an intermediate value over several legacy transactions. Two
 * invoices that swap their numbers ({@code A -> tmp}, {@code B -> A's}, {@code A -> B's}): each transaction passed the
 * legacy database's unique constraint, but in one batch the rows' newest versions clash whichever is written first,
 * so the collapsed batch would be refused, parked and dead-lettered. Written change by change they pass the target's
 * constraint as they passed the legacy one. (The changes of one transaction come as each row's final state already,
 * the processor's {@code FinalStates}: a swap inside one transaction is not helped here.)
 *
 * <p>A row's changes share a partition, so the batch holds them in their source order; changes of one source
 * transaction would share its version (its commit position), under which the target's guard applies only the first.
 * So each change but a row's last is written just below the version of the one after it, and each is completed with
 * the values its row's earlier changes gave the columns it leaves out (as the collapse completes the newest): the row
 * ends as the collapsed batch would leave it, and a change the guard skips (the target holds a version above it) loses
 * nothing. Rows of different partitions may come in another order than their source transaction's: then the target
 * refuses this too, and those rows take the usual way ({@code BatchWriter} writes each source transaction whole, and
 * holds the rows of one it refuses).
 */
final class SourceOrder {
  private static final Logger LOG = LoggerFactory.getLogger(SourceOrder.class);

  private SourceOrder() {
  }

  /**
   * {@code batch} (before its collapse) in its order, versioned and completed so that each change of a row applies over
   * the one before it; null when some row's versions go down within the batch (a change older than one before it,
   * which the collapse drops and an ordered write would let win) or no row changes twice (nothing to order).
   */
  static List<ApplyTopicRecord> stepped(final List<ApplyTopicRecord> batch) {
    final Map<NewestPerRow.RowKey, List<Integer>> byRow = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      byRow.computeIfAbsent(NewestPerRow.RowKey.of(batch.get(i).packed()), k -> new ArrayList<>(2)).add(i);
    }
    final List<ApplyTopicRecord> out = new ArrayList<>(batch);
    boolean twice = false;
    for (final List<Integer> changes : byRow.values()) {
      if (changes.size() < 2) {
        continue;
      }
      twice = true;
      for (int j = 1; j < changes.size(); j++) {
        if (out.get(changes.get(j)).packed().version() < out.get(changes.get(j - 1)).packed().version()) {
          return null;
        }
        out.set(changes.get(j), NewestPerRow.completed(out.get(changes.get(j)), out.get(changes.get(j - 1))));
      }
      long next = out.get(changes.get(changes.size() - 1)).packed().version();
      for (int j = changes.size() - 2; j >= 0; j--) {
        final ApplyTopicRecord r = out.get(changes.get(j));
        final long version = Math.min(r.packed().version(), next - 1);
        if (version != r.packed().version()) {
          out.set(changes.get(j), versioned(r, version));
        }
        next = version;
      }
    }
    return twice ? out : null;
  }

  /** Writes one change. */
  @FunctionalInterface
  interface Change {
    void write(ApplyTopicRecord r) throws SQLException;
  }

  /** Rolls back to {@code savepoint} after {@code e}, or rethrows {@code e} when the whole transaction is lost. */
  @FunctionalInterface
  interface Undo {
    void undo(Savepoint savepoint, SQLException e) throws SQLException;
  }

  /**
   * Writes {@code keyed} (a batch before its collapse) change by change in its order ({@link #stepped}): a unique
   * value moved between rows through an intermediate value passes the target's constraint as it passed the legacy
   * one, where the rows' newest versions clash whichever is written first. One source transaction's changes (one
   * version, one after the other) apply together or not at all: a refused one is undone with its transaction, whose
   * rows are held from then on, and so is a later transaction that changes a held row. The rest goes on, so that a
   * row refused for a reason of its own (waiting for a value held on another partition) keeps no other row back.
   *
   * @return the rows held, their changes from the refused transaction on undone (empty when every change applied);
   *     null when the batch has no order to apply ({@link #stepped})
   * @throws SQLException a transient error; the transaction is rolled back
   */
  static Set<NewestPerRow.RowKey> apply(final Connection c, final List<ApplyTopicRecord> keyed, final Change write,
      final Undo undo) throws SQLException {
    final List<ApplyTopicRecord> stepped = stepped(keyed);
    if (stepped == null) {
      return null;
    }
    final Savepoint all = c.setSavepoint();
    try {
      for (final ApplyTopicRecord r : stepped) {
        write.write(r);
      }
      c.releaseSavepoint(all);
      LOG.debug("batch of {} changes applied one by one in their order: a unique value moved between its rows",
          stepped.size());
      return Set.of();
    } catch (SQLException e) {
      undo.undo(all, e);
    }
    // some change was refused: again transaction by transaction, a savepoint each (only now: thousands of them in one
    // target transaction cost the server more than the one above). A source transaction's changes share its version
    // (its commit position); a row's come in its order, each transaction's before the next's, so the transactions in
    // the order each first appears keep every row's order
    final Map<Long, List<Integer>> transactions = new LinkedHashMap<>();
    for (int i = 0; i < keyed.size(); i++) {
      transactions.computeIfAbsent(keyed.get(i).packed().version(), v -> new ArrayList<>(2)).add(i);
    }
    final Set<NewestPerRow.RowKey> held = new HashSet<>();
    int applied = 0;
    for (final List<Integer> changes : transactions.values()) {
      final List<NewestPerRow.RowKey> touched = new ArrayList<>(changes.size());
      changes.forEach(i -> touched.add(NewestPerRow.RowKey.of(keyed.get(i).packed())));
      if (touched.stream().anyMatch(held::contains)) {
        held.addAll(touched);
        continue;
      }
      final Savepoint sp = c.setSavepoint();
      try {
        for (final int i : changes) {
          write.write(stepped.get(i));
        }
        c.releaseSavepoint(sp);
        applied += changes.size();
      } catch (SQLException e) {
        undo.undo(sp, e);
        held.addAll(touched);
      }
    }
    LOG.debug("batch of {} changes applied one by one in their order (a unique value moved between its rows): {} "
        + "applied, {} row(s) held", stepped.size(), applied, held.size());
    return held;
  }

  private static ApplyTopicRecord versioned(final ApplyTopicRecord r, final long version) {
    final ApplyRecord value = r.value();
    value.setVersion(version);
    return new ApplyTopicRecord(r.topic(), r.partition(), r.offset(), r.key(), PackedApplyRecord.pack(value),
        r.attempt(), r.replayedWithGroup());
  }
}
