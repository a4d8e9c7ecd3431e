package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.PackedApplyRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch collapsed to the newest version of each row: PostgreSQL refuses a batched upsert that touches one row
 * twice, and the older versions would be overwritten anyway.
 */
final class NewestPerRow {
  private NewestPerRow() {
  }

  /**
   * A row's identity: its table and key values (compared by value; no text is built for it). Written
   * out rather than a record: a record's generated equals and hashCode go through method handles, and
   * compiling the collapse loop with them inlined took the JIT over half a second, twice per run.
   */
  private static final class RowKey {
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
        byKey.put(key, r);
      }
    }
    return new ArrayList<>(byKey.values());
  }

}
