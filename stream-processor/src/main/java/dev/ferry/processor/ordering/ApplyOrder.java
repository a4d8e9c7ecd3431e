package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.Relation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits the changes of one source transaction into groups, one per header key, each in the order a
 * target with foreign keys accepts: children's deletes, parents' upserts, children's upserts, parents'
 * deletes; within each part, source order. Pure.
 *
 * <pre>
 *   transaction 771, source order                      groups (apply order)
 *   1 order_details 10248|11  DELETE                   771/10248: order_details 10248|11 DELETE
 *   2 orders        10248     UPDATE                              orders 10248 UPDATE
 *   3 order_details 10250|41  CREATE                              order_details 10248|42 CREATE
 *   4 orders        10250     CREATE                   771/10250: orders 10250 CREATE
 *   5 order_details 10248|42  CREATE                              order_details 10250|41 CREATE
 * </pre>
 */
public final class ApplyOrder {
  private final HeaderKeys headerKeys;

  public ApplyOrder(final HeaderKeys headerKeys) {
    this.headerKeys = headerKeys;
  }

  /**
   * Groups of transaction {@code txId}, by header key, with each row's final state only ({@link FinalStates});
   * {@code changes} in source order.
   */
  public List<ChangeGroup> groups(final String txId, final long commitLsn, final List<ChangeEvent> changes) {
    final Map<String, List<ChangeEvent>> byHeader = new TreeMap<>();
    for (final ChangeEvent e : FinalStates.of(changes)) {
      byHeader.computeIfAbsent(headerKey(e), k -> new ArrayList<>()).add(e);
    }
    final List<ChangeGroup> out = new ArrayList<>(byHeader.size());
    byHeader.forEach((key, events) -> out.add(group(txId + "/" + key, key, commitLsn, events)));
    return out;
  }

  /** A group of one change (a snapshot row). */
  public ChangeGroup single(final ChangeEvent e) {
    final String table = table(e);
    return group(table + "/" + Columns.keyText(e.getKey()) + "/" + e.getSource().getLsn(), headerKey(e),
        e.getSource().getLsn(), List.of(e));
  }

  /**
   * The end of a snapshot ({@link ChangeOp#SWEEP}) as a group of its own: it passes the ordering stages at once,
   * behind what came before it in its partition.
   */
  public static ChangeGroup snapshotEnd(final ChangeEvent e) {
    return new ChangeGroup("sweep:" + e.getSweep().getId(), "", null, e.getSource().getLsn(), 0L,
        new ArrayList<>(List.of(e)));
  }

  /** True when {@code group} is the end of a snapshot ({@link #snapshotEnd}), not rows. */
  public static boolean isSnapshotEnd(final ChangeGroup group) {
    return group.getChanges().size() == 1 && group.getChanges().get(0).getOp() == ChangeOp.SWEEP;
  }

  ChangeGroup group(final String id, final String headerKey, final long commitLsn,
      final List<ChangeEvent> events) {
    final List<ChangeEvent> ordered = new ArrayList<>(events);
    if (ordered.size() > 1) {
      ordered.sort(Comparator.comparingInt(this::phase));
    }
    String headerTable = null;
    for (final ChangeEvent e : events) {
      final Relation r = headerKeys.relationOf(table(e));
      if (r != null) {
        headerTable = r.parent();
      }
    }
    return new ChangeGroup(id, headerKey, headerTable, commitLsn, 0L, ordered);
  }

  /** 0 child delete, 1 parent or unrelated upsert, 2 child upsert, 3 parent or unrelated delete. */
  private int phase(final ChangeEvent e) {
    final boolean child = headerKeys.relationOf(table(e)) != null;
    final boolean delete = e.getOp() == ChangeOp.DELETE;
    if (child) {
      return delete ? 0 : 2;
    }
    return delete ? 3 : 1;
  }

  String headerKey(final ChangeEvent e) {
    final String key = headerKeys.of(e);
    return key != null ? key : Columns.keyText(e.getKey());
  }

  static String table(final ChangeEvent e) {
    return e.getSource().getSchema$() + "." + e.getSource().getTable();
  }
}
