package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header key of a change: for a detail table, its parent's key as referenced through its relation;
 * for a header table, its own referenced key; for any other table, its primary key. Header and
 * details therefore get equal keys, and equal keys go to equal partitions.
 */
public final class HeaderKeys {
  private final Map<String, List<String>> columnsByTable = new HashMap<>();
  private final Map<String, Relation> relationByChild = new HashMap<>();

  public HeaderKeys(final List<Relation> relations) {
    for (final Relation r : relations) {
      columnsByTable.put(r.child(), r.childColumns());
      columnsByTable.put(r.parent(), r.parentColumns());
      relationByChild.put(r.child(), r);
    }
  }

  /** The relation in which {@code table} is the child, or null. */
  public Relation relationOf(final String table) {
    return relationByChild.get(table);
  }

  /** True when {@code table} is the parent of some relation. */
  public boolean isHeader(final String table) {
    return columnsByTable.containsKey(table) && !relationByChild.containsKey(table);
  }

  /**
   * The header key of a row of {@code table}: the values of its header columns, found in the key, the
   * row after or the row before (in that order), joined by {@code |}; the primary key text for a
   * table in no relation.
   *
   * @return the key, or null when a header column has no value in the change (a delete that carries
   *     only the primary key, for a column outside it)
   */
  public String of(final String table, final List<ColumnValue> key, final List<ColumnValue> after,
      final List<ColumnValue> before) {
    final List<String> columns = columnsByTable.get(table);
    if (columns == null) {
      return Columns.keyText(key);
    }
    final List<ColumnValue> values = new ArrayList<>(columns.size());
    for (final String c : columns) {
      ColumnValue v = Columns.find(key, c);
      if (v == null) {
        v = Columns.find(after, c);
      }
      if (v == null) {
        v = Columns.find(before, c);
      }
      if (v == null) {
        return null;
      }
      values.add(v);
    }
    return Columns.keyText(values);
  }

  /** Header key of a {@link ChangeEvent}. */
  public String of(final ChangeEvent e) {
    return of(e.getSource().getSchema$() + "." + e.getSource().getTable(), e.getKey(), e.getAfter(), e.getBefore());
  }
}
