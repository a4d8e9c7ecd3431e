package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A row of {@link ColumnValue}s as plain values for expressions: int, double, bool, text, ISO dates. */
final class RowValues {
  private RowValues() {
  }

  static Map<String, Object> of(final List<ColumnValue> row) {
    final Map<String, Object> out = new HashMap<>();
    if (row != null) {
      for (final ColumnValue c : row) {
        out.put(c.getName(), plain(c));
      }
    }
    return out;
  }

  static Object plain(final ColumnValue c) {
    final Object v = c.getValue();
    if (v == null) {
      return null;
    }
    final Object temporal = LogicalValues.temporal(c);
    if (temporal != null) {
      return temporal.toString();
    }
    if ("decimal".equals(c.getLogical())) {
      return Double.parseDouble(v.toString());
    }
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float || v instanceof Double) {
      return Double.parseDouble(v.toString());
    }
    if (v instanceof ByteBuffer) {
      return null;
    }
    if (v instanceof Instant i) {
      return i.toString();
    }
    return v;
  }

  /** Text of a value for messages: what the user would see in the source. */
  static String text(final ColumnValue c) {
    if (c == null || c.getValue() == null) {
      return null;
    }
    final Object p = plain(c);
    return p == null ? "(binary)" : p.toString();
  }
}
