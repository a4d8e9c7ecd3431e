package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The identity of a row of an <em>append-only</em> legacy table ({@code legacy.append-only}): a table with nothing
 * that tells its rows apart (no primary key, no unique index on NOT NULL columns), such as an audit trail or pgbench's
 * {@code pgbench_history}, where two rows may even be equal. Ferry cannot key such a row by its values, so it keys it
 * by where the row entered the legacy database, carried in every change as the column {@value #COLUMN}, which the
 * mapping writes into a key column of the target ({@code position: {from: ferry_position}}).
 *
 * <p>Why the positions are stable: a streamed insert is named by its log record's position (LSN), fixed in the legacy
 * WAL, and its order in its transaction (a COPY into the table writes several rows in one multi-insert record); a
 * restarted capture sends a whole transaction again, from its first change and with the same orders, so a redelivered
 * row upserts itself, never a second copy (two transactions never share a log record). A row read by an
 * initial load is named by the snapshot's position and its ordinal in that read: an interrupted load is loaded again
 * from a <em>new</em> snapshot, so its rows come under new names, and the snapshot's sweep removes those written
 * before it (older versions), rather than two copies staying. The text sorts in log order within each kind: the
 * position as 16 hexadecimal digits, then the order.
 *
 * <p>What such a table cannot do: an UPDATE or DELETE names no row of the target (it carries the old values, not the
 * position), so the processor dead-letters it instead of guessing; a TRUNCATE empties the target table (the rows
 * Ferry wrote below it).
 */
public final class LegacyPosition {
  /** The column a change of an append-only table carries its position in; its key. */
  public static final String COLUMN = "ferry_position";

  private LegacyPosition() {
  }

  /** The position of a streamed change of the log record at {@code lsn}, number {@code txOrder} of its transaction. */
  public static String streamed(final long lsn, final long txOrder) {
    return String.format(Locale.ROOT, "%016X.%010d", lsn, txOrder);
  }

  /** The position of row {@code ordinal} (from 1) of a snapshot read at log position {@code snapshotLsn}. */
  public static String snapshot(final long snapshotLsn, final long ordinal) {
    return String.format(Locale.ROOT, "%016X.s%010d", snapshotLsn, ordinal);
  }

  /**
   * {@code change} keyed by {@code position}: its key is {@value #COLUMN} alone, and its row images carry the same
   * column, so that the mapping reads it as any other legacy column. Changes {@code change} itself and returns it.
   */
  public static ChangeEvent keyed(final ChangeEvent change, final String position) {
    final ColumnValue column = new ColumnValue(COLUMN, position, null);
    change.setKey(List.of(column));
    if (change.getAfter() != null) {
      change.setAfter(with(change.getAfter(), column));
    }
    if (change.getBefore() != null) {
      change.setBefore(with(change.getBefore(), column));
    }
    return change;
  }

  /** Whether {@code key} is an append-only table's position ({@link #keyed}). */
  public static boolean isPosition(final List<ColumnValue> key) {
    return key.size() == 1 && COLUMN.equals(key.get(0).getName());
  }

  private static List<ColumnValue> with(final List<ColumnValue> row, final ColumnValue column) {
    final List<ColumnValue> out = new ArrayList<>(row.size() + 1);
    for (final ColumnValue c : row) {
      if (!COLUMN.equals(c.getName())) {
        out.add(c);
      }
    }
    out.add(column);
    return out;
  }
}
