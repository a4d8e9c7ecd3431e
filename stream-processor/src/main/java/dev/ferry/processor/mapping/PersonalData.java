package dev.ferry.processor.mapping;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ColumnValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * In a run that protects personal data ({@code processor.pii: protect}), what a dead letter may carry of a change.
 * A letter keeps the change so that it can be replayed; the values of the source columns that a protected ({@code
 * pii}) field reads are replaced there by their protected form (masked, or the keyed pseudonym), tagged {@link
 * #PROTECTED}. Replayed, such a value is taken as the field's target value as it is ({@link ColumnMapping#apply}),
 * not protected a second time, so the row reaches the target as it would have.
 *
 * <p>Kept as captured: key columns (the row's identity, which a replay needs), and columns that a field without
 * protection reads too (the target shows them anyway). In a run that keeps real values nothing is replaced, and a
 * letter is as sensitive as the CDC topics.
 */
public final class PersonalData {
  /** The logical tag of a source value that a dead letter carries in its protected form. */
  public static final String PROTECTED = "pii-protected";

  /** Per source table ({@code schema.table}): each column only protected fields read, and one such field. */
  private final Map<String, Map<String, ColumnMapping>> protectedColumns = new HashMap<>();

  public PersonalData(final Mapping mapping) {
    for (final TableMapping t : mapping.tables()) {
      final Map<String, ColumnMapping> columns = new HashMap<>();
      final Set<String> readOpenly = new HashSet<>();
      for (final ColumnMapping f : t.columns()) {
        for (final String c : f.source().columns()) {
          if (f.protecting()) {
            columns.putIfAbsent(c, f);
          } else {
            readOpenly.add(c);
          }
        }
      }
      columns.keySet().removeAll(readOpenly);
      if (!columns.isEmpty()) {
        protectedColumns.put(t.sourceTable(), columns);
      }
    }
  }

  /** {@code e} as a dead letter may carry it: a copy with personal data protected, or {@code e} when it has none. */
  public ChangeEvent sealed(final ChangeEvent e) {
    final Map<String, ColumnMapping> columns =
        protectedColumns.get(e.getSource().getSchema$() + "." + e.getSource().getTable());
    if (columns == null) {
      return e;
    }
    final Set<String> key = new HashSet<>();
    e.getKey().forEach(c -> key.add(c.getName()));
    final ChangeEvent copy = ChangeEvent.newBuilder(e).build();
    copy.setBefore(sealed(e.getBefore(), columns, key));
    copy.setAfter(sealed(e.getAfter(), columns, key));
    return copy;
  }

  private static List<ColumnValue> sealed(final List<ColumnValue> row, final Map<String, ColumnMapping> columns,
      final Set<String> key) {
    if (row == null) {
      return null;
    }
    final List<ColumnValue> out = new ArrayList<>(row.size());
    for (final ColumnValue c : row) {
      final ColumnMapping field = key.contains(c.getName()) || c.getValue() == null ? null : columns.get(c.getName());
      out.add(field == null ? c : new ColumnValue(c.getName(), field.protect(c), PROTECTED));
    }
    return out;
  }
}
