package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.PackedApplyRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch collapsed to the newest version of each row: PostgreSQL refuses a batched upsert that touches one row
 * twice, and the older versions would be overwritten anyway.
 *
 * <p>But for the columns a newer change leaves out. PostgreSQL sends an update without the values it keeps out of
 * line (TOAST) that the statement did not change, and the mapping then leaves those columns out so that the target
 * keeps what it has. Within a batch, what the target has is not yet the older change's value: an update that set a
 * long text followed by one that set only a status would, collapsed to the newer alone, leave the text as it was
 * before both. So the newest upsert takes the older upserts' values of the columns it leaves out.
 */
final class NewestPerRow {
  private NewestPerRow() {
  }

  /**
   * A row's identity: its table and key values (compared by value; no text is built for it). Written
   * out rather than a record: a record's generated equals and hashCode go through method handles, and
   * compiling the collapse loop with them inlined took the JIT over half a second, twice per run.
   */
  static final class RowKey {
    private final String table;
    private final Object[] values;
    private final int hash;

    private RowKey(final String table, final Object[] values) {
      this.table = table;
      this.values = values;
      this.hash = 31 * table.hashCode() + java.util.Arrays.hashCode(values);
    }

    static RowKey of(final PackedApplyRecord a) {
      final List<ColumnValue> key = a.key();
      final Object[] values = new Object[key.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = key.get(i).getValue();
      }
      return new RowKey(a.table(), values);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(final Object o) {
      return o instanceof RowKey k && hash == k.hash && table.equals(k.table) && java.util.Arrays.equals(values, k.values);
    }
  }

  /** The newest version of each (table, key), in first-seen order. */
  static List<ApplyTopicRecord> of(final List<ApplyTopicRecord> batch) {
    final Map<RowKey, ApplyTopicRecord> byKey = new LinkedHashMap<>(batch.size() * 2);
    for (final ApplyTopicRecord r : batch) {
      final PackedApplyRecord a = r.packed();
      final RowKey key = RowKey.of(a);
      final ApplyTopicRecord old = byKey.putIfAbsent(key, r);
      if (old != null && a.version() >= old.packed().version()) {
        byKey.put(key, completed(r, old));
      }
    }
    return new ArrayList<>(byKey.values());
  }

  /**
   * {@code newer}, its row completed with {@code older}'s values of the columns it leaves out; {@code newer} itself
   * when it leaves none out (the common case, told by the column lists alone: records of one shape share one list) or
   * when either is a delete (a row inserted after a delete carries every column).
   */
  static ApplyTopicRecord completed(final ApplyTopicRecord newer, final ApplyTopicRecord older) {
    final List<String> columns = newer.packed().columns();
    final List<String> olderColumns = older.packed().columns();
    if (columns == null || olderColumns == null || columns == olderColumns || columns.containsAll(olderColumns)) {
      return newer;
    }
    final ApplyRecord value = newer.value();
    final List<ColumnValue> row = new ArrayList<>(value.getRow());
    for (final ColumnValue v : older.value().getRow()) {
      if (!columns.contains(v.getName())) {
        row.add(v);
      }
    }
    value.setRow(row);
    return new ApplyTopicRecord(newer.topic(), newer.partition(), newer.offset(), newer.key(),
        PackedApplyRecord.pack(value), newer.attempt(), newer.replayedWithGroup());
  }

}
