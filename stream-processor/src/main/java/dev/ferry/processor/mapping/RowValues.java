package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.SpecialNumbers;
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
      return decimal(c.getName(), v.toString());
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

  /**
   * A legacy decimal as a CEL double. {@code numeric}'s NaN and infinities ({@link SpecialNumbers}) become the
   * double of the same meaning, so an expression can test them ({@code math.isNaN()}).
   *
   * @throws ConversionException when the text is no number at all
   */
  static double decimal(final String column, final String text) {
    final String special = SpecialNumbers.canonical(text);
    if (special != null) {
      return switch (special) {
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        default -> Double.NEGATIVE_INFINITY;
      };
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new ConversionException("map.decimal", "'" + text + "' in " + column + " is not a number",
          "correct the source value");
    }
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
