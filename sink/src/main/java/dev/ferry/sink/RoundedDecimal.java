package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.PackedApplyRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A decimal with more digits after the point than its target column keeps: {@code 12.345} for a {@code
 * numeric(10,2)}. PostgreSQL and MariaDB round such a value as they store it, without an error, and reconcile
 * compares values as the target holds them, so the digits would be gone with no trace. The sink never writes one:
 * the row goes to the dead-letter topic (rule {@code sink.scale}) naming the column, the value and the scale.
 *
 * <p>{@code ferry check} refuses a legacy column of a larger declared scale copied as it is; this is the last line,
 * for what the check cannot see: a legacy {@code numeric} without a declared scale (its values may carry any number
 * of digits), a declared {@code type: decimal} of a larger scale, an expression. A mapping that declares the rounding
 * ({@code type: decimal, scale: 2, rounding: half-up}) sends values that fit. Trailing zeros are no loss ({@code
 * 1.50} fits a scale of 1).
 */
final class RoundedDecimal extends SinkRefusal {
  private static final long serialVersionUID = 1L;

  private final String column;
  private final String value;
  private final int scale;

  private RoundedDecimal(final String table, final String column, final String value, final int scale) {
    super(value + " has " + digits(value) + " digits after the decimal point and " + table + "." + column
        + " keeps " + scale + ": the target would round it as it stores it, without an error, so the row is not "
        + "written", "22003");
    this.column = column;
    this.value = value;
    this.scale = scale;
  }

  String column() {
    return column;
  }

  @Override
  String rule() {
    return "sink.scale";
  }

  @Override
  String field() {
    return column;
  }

  @Override
  String value() {
    return value;
  }

  @Override
  String resolution() {
    return "widen the target column " + column + " to keep the legacy value's digits and replay this dead letter, or "
        + "declare the rounding in the mapping (type: decimal, scale: " + scale + ", rounding: half-up) and read the "
        + "legacy table again (ferry resnapshot --table ...)";
  }

  int scale() {
    return scale;
  }

  /**
   * Finds, for each row of one writer, the first decimal its target column would round. Rows of one shape share
   * their column list ({@link PackedApplyRecord#columns()}), so the column scales are looked up once per shape.
   */
  static final class Check implements PackedApplyRecord.RowValues {
    private List<String> shape;
    private TargetTable shapeTable;
    /** The declared scale of each column of the shape, or -1 where it has none (not a decimal, or unconstrained). */
    private int[] scales;
    private int index;
    private int foundAt;
    private String found;

    /** The first value of {@code a}'s row that {@code table} would round, or null when none would be. */
    RoundedDecimal of(final PackedApplyRecord a, final TargetTable table) {
      if (table.scales().isEmpty() || a.columns() == null) {
        return null;
      }
      if (a.columns() != shape || table != shapeTable) {
        shape = a.columns();
        shapeTable = table;
        scales = new int[shape.size()];
        for (int i = 0; i < scales.length; i++) {
          scales[i] = table.scales().getOrDefault(shape.get(i), -1);
        }
      }
      index = 0;
      found = null;
      a.writeRow(this);
      return found == null ? null : new RoundedDecimal(table.name(), shape.get(foundAt), found, scales[foundAt]);
    }

    @Override
    public void nullValue() {
      index++;
    }

    @Override
    public void integer(final long value, final String logical) {
      index++;
    }

    @Override
    public void bool(final boolean value) {
      index++;
    }

    @Override
    public void text(final byte[] utf8, final int offset, final int length) {
      final int scale = scales[index];
      if (scale >= 0 && found == null && digitsAfterPoint(utf8, offset, length) > scale) {
        final String text = new String(utf8, offset, length, StandardCharsets.UTF_8);
        if (roundedAt(text, scale)) {
          foundAt = index;
          found = text;
        }
      }
      index++;
    }

    @Override
    public void other(final ColumnValue value) {
      // a float or a double: binary fractions (0.1 + 0.2) have digits no decimal column keeps, and rounding them
      // is what a mapping from a floating-point column asks for; decimals and text come through text()
      index++;
    }
  }

  /**
   * Digits after the point of a decimal's text, counted without parsing: an upper bound (trailing zeros count),
   * or {@link Integer#MAX_VALUE} for an exponent, so that only a value that may not fit is parsed.
   */
  static int digitsAfterPoint(final byte[] utf8, final int offset, final int length) {
    int point = -1;
    for (int i = offset; i < offset + length; i++) {
      final byte b = utf8[i];
      if (b == '.') {
        point = i;
      } else if (b == 'e' || b == 'E') {
        return Integer.MAX_VALUE;
      }
    }
    return point < 0 ? 0 : offset + length - point - 1;
  }

  /** Significant digits after the point of {@code value}, a number {@link #roundedAt} parsed. */
  private static int digits(final String value) {
    return new BigDecimal(value.trim()).stripTrailingZeros().scale();
  }

  /** True when {@code text} is a number with more significant digits after the point than {@code scale}. */
  static boolean roundedAt(final String text, final int scale) {
    final BigDecimal d;
    try {
      d = new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      // NaN, infinities, or no number at all: not a rounding (the target refuses what it cannot take)
      return false;
    }
    return d.scale() > scale && d.stripTrailingZeros().scale() > scale;
  }
}
