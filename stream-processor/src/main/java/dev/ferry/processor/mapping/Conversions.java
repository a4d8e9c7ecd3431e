package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** The conversions a mapping file can name. */
public final class Conversions {
  private Conversions() {
  }

  /**
   * To an exact decimal with {@code scale} digits after the point, rounding with {@code rounding}.
   *
   * <p>Legacy {@code real}/{@code float} values are read through their shortest decimal text
   * ({@link Float#toString}, {@link Double#toString}): {@code real 0.05} becomes {@code 0.05}, the
   * value the legacy application showed, not {@code 0.0500000007...}, its binary approximation.
   */
  public static Conversion decimal(final int scale, final RoundingMode rounding) {
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, "decimal");
      }
      final BigDecimal exact;
      try {
        if (v instanceof Float f) {
          exact = new BigDecimal(Float.toString(f));
        } else if (v instanceof Double d) {
          exact = new BigDecimal(Double.toString(d));
        } else {
          exact = new BigDecimal(v.toString().trim());
        }
      } catch (NumberFormatException e) {
        throw new ConversionException("map.decimal", "'" + v + "' in " + in.getName() + " is not a number",
            "correct the source value or map the column with a default");
      }
      return new ColumnValue(name, exact.setScale(scale, rounding).toPlainString(), "decimal");
    };
  }

  /** To a 32-bit integer; a fractional or too-large value is an error, never silently truncated. */
  public static Conversion integer() {
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, null);
      }
      try {
        final BigDecimal d = v instanceof Number n ? new BigDecimal(n.toString()) : new BigDecimal(v.toString().trim());
        return new ColumnValue(name, d.intValueExact(), null);
      } catch (ArithmeticException | NumberFormatException e) {
        throw new ConversionException("map.integer", "'" + v + "' in " + in.getName()
            + " is not a whole number that fits 32 bits", "correct the source value or widen the target column");
      }
    };
  }

  /** To text with surrounding blanks removed (legacy padded {@code char}); empty becomes NULL when asked. */
  public static Conversion text(final boolean trim, final boolean emptyAsNull) {
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, null);
      }
      String s = v.toString();
      if (trim) {
        s = s.strip();
      }
      if (emptyAsNull && s.isEmpty()) {
        return new ColumnValue(name, null, null);
      }
      return new ColumnValue(name, s, null);
    };
  }
}
