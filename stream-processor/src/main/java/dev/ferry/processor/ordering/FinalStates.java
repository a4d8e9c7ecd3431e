package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state a source transaction leaves each row in: one change per row, however often the transaction changed
 * it. Pure.
 *
 * <p>Why: every row a transaction writes gets the transaction's commit position as its version ({@code
 * RowVersion}), so two changes of one row in one transaction would carry the same version and the target could not
 * tell which is newer. Nobody outside the transaction ever saw its intermediate states, so the target needs only
 * the last one, which is also less work downstream.
 *
 * <p>The last change is completed from the earlier ones: a column it did not carry because it did not change in
 * that statement (PostgreSQL's unchanged TOAST value) takes the value an earlier statement of the transaction
 * wrote; and a row the transaction inserted stays an insert ({@code CREATE}) after later updates, so that
 * header/detail ordering still sees a detail row being added.
 *
 * <pre>
 *   transaction 771, source order                 final states
 *   1 order_details 10250|41 CREATE qty 1          order_details 10250|41 CREATE qty 3, notes 'gift'
 *   2 orders        10250    UPDATE                orders        10250    UPDATE
 *   3 order_details 10250|41 UPDATE qty 2, notes 'gift'
 *   4 order_details 10250|41 UPDATE qty 3 (notes unchanged, not sent)
 * </pre>
 */
public final class FinalStates {
  private FinalStates() {
  }

  /** One change per row of {@code changes} (in source order), at the position of the row's first change. */
  public static List<ChangeEvent> of(final List<ChangeEvent> changes) {
    if (changes.size() < 2) {
      return changes;
    }
    final Map<String, List<ChangeEvent>> byRow = new LinkedHashMap<>();
    for (final ChangeEvent e : changes) {
      byRow.computeIfAbsent(ApplyOrder.table(e) + "/" + Columns.keyText(e.getKey()), k -> new ArrayList<>(1)).add(e);
    }
    if (byRow.size() == changes.size()) {
      return changes;
    }
    final List<ChangeEvent> out = new ArrayList<>(byRow.size());
    for (final List<ChangeEvent> row : byRow.values()) {
      out.add(row.size() == 1 ? row.get(0) : last(row));
    }
    return out;
  }

  /**
   * The row's final state after {@code e}, given its final state before it ({@code state}; null when {@code e} is the
   * row's first change in the transaction): what {@link #of} makes of the row's changes up to {@code e}, one change
   * at a time, so that a transaction too large to hold in memory is collapsed row by row in a store
   * ({@link LargeRelease}). Never changes its arguments.
   */
  public static ChangeEvent next(final ChangeEvent state, final ChangeEvent e) {
    if (state == null || e.getOp() == ChangeOp.DELETE || state.getOp() == ChangeOp.DELETE) {
      return e;
    }
    final ChangeEvent out = ChangeEvent.newBuilder(e).build();
    final Set<String> missing = new HashSet<>(e.getUnchanged());
    if (!missing.isEmpty() && state.getAfter() != null) {
      final List<ColumnValue> after = new ArrayList<>(e.getAfter());
      for (final ColumnValue c : state.getAfter()) {
        if (missing.remove(c.getName())) {
          after.add(c);
        }
      }
      out.setAfter(after);
      out.setUnchanged(e.getUnchanged().stream().filter(missing::contains).toList());
    }
    if (state.getOp() == ChangeOp.CREATE && e.getOp() == ChangeOp.UPDATE) {
      out.setOp(ChangeOp.CREATE);
    }
    return out;
  }

  /** The last of one row's changes, completed from the earlier ones since the row's last delete. */
  private static ChangeEvent last(final List<ChangeEvent> row) {
    final ChangeEvent last = row.get(row.size() - 1);
    if (last.getOp() == ChangeOp.DELETE) {
      return last;
    }
    final ChangeEvent out = ChangeEvent.newBuilder(last).build();
    final List<ColumnValue> after = new ArrayList<>(last.getAfter());
    final Set<String> missing = new HashSet<>(last.getUnchanged());
    boolean inserted = false;
    for (int i = row.size() - 2; i >= 0; i--) {
      final ChangeEvent earlier = row.get(i);
      if (earlier.getOp() == ChangeOp.DELETE) {
        break; // what came before the delete is not this row's state any more
      }
      inserted |= earlier.getOp() == ChangeOp.CREATE;
      if (missing.isEmpty() || earlier.getAfter() == null) {
        continue;
      }
      for (final ColumnValue c : earlier.getAfter()) {
        if (missing.remove(c.getName())) {
          after.add(c);
        }
      }
    }
    out.setAfter(after);
    out.setUnchanged(last.getUnchanged().stream().filter(missing::contains).toList());
    if (inserted && last.getOp() == ChangeOp.UPDATE) {
      out.setOp(ChangeOp.CREATE);
    }
    return out;
  }
}
