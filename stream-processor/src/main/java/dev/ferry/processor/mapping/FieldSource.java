package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Where a target field's value comes from in the source row. */
public interface FieldSource {
  /**
   * The raw value for target field {@code target}, from {@code row}.
   *
   * @return a value named after the (first) source column, so conversion messages can name it
   */
  ColumnValue read(List<ColumnValue> row);

  /** Source columns it reads; an expression reads the columns it names as {@code row.<column>}. */
  List<String> columns();

  /** One column, unchanged. */
  record FromColumn(String column) implements FieldSource {
    @Override
    public ColumnValue read(final List<ColumnValue> row) {
      final ColumnValue c = Columns.find(row, column);
      return c != null ? c : new ColumnValue(column, null, null);
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }
  }

  /** Several columns' text joined by a separator; NULL columns are skipped, all NULL gives NULL. */
  record Concat(List<String> sources, String separator) implements FieldSource {
    @Override
    public ColumnValue read(final List<ColumnValue> row) {
      final List<String> parts = new ArrayList<>();
      for (final String col : sources) {
        final ColumnValue c = Columns.find(row, col);
        if (c != null && c.getValue() != null && !c.getValue().toString().isBlank()) {
          parts.add(c.getValue().toString().strip());
        }
      }
      return new ColumnValue(String.join("+", sources), parts.isEmpty() ? null : String.join(separator, parts), null);
    }

    @Override
    public List<String> columns() {
      return sources;
    }
  }

  /** Which part of a split to take. */
  enum Part { FIRST, REST, LAST, ALL_BUT_LAST }

  /**
   * One part of a column split at a separator: {@code "Maria de la Cruz"} split at a space gives first
   * {@code Maria}, rest {@code de la Cruz}, last {@code Cruz}, all-but-last {@code Maria de la}. A value
   * without the separator is its own first, last and all-but-last part; its rest is NULL.
   */
  record Split(String column, String separator, Part part) implements FieldSource {
    @Override
    public ColumnValue read(final List<ColumnValue> row) {
      final ColumnValue c = Columns.find(row, column);
      if (c == null || c.getValue() == null) {
        return new ColumnValue(column, null, null);
      }
      final String[] pieces = c.getValue().toString().strip().split(Pattern.quote(separator), -1);
      final String value = switch (part) {
        case FIRST -> pieces[0];
        case LAST -> pieces[pieces.length - 1];
        case REST -> pieces.length < 2 ? null : String.join(separator, List.of(pieces).subList(1, pieces.length));
        case ALL_BUT_LAST -> pieces.length < 2 ? pieces[0]
            : String.join(separator, List.of(pieces).subList(0, pieces.length - 1));
      };
      return new ColumnValue(column, value == null || value.isBlank() ? null : value.strip(), null);
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }
  }

  /** A derived value: a CEL expression over the source row. */
  record Derived(Expression expression, List<String> columns) implements FieldSource {
    @Override
    public ColumnValue read(final List<ColumnValue> row) {
      final Object v = expression.eval(RowValues.of(row));
      final boolean plain = v == null || v instanceof Long || v instanceof Double || v instanceof String
          || v instanceof Boolean;
      return new ColumnValue("expression", plain ? v : v.toString(), null);
    }
  }
}
