package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
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
    final String logical = c.getLogical();
    if ("date".equals(logical)) {
      return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
    }
    if ("timestamp-micros".equals(logical)) {
      final long micros = ((Number) v).longValue();
      return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
          (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC).toString();
    }
    if ("time-micros".equals(logical)) {
      return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000L).toString();
    }
    if ("decimal".equals(logical)) {
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
