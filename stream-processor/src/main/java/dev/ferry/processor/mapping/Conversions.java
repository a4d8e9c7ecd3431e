package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.SpecialNumbers;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
        throw new ConversionException("map.decimal", "'" + v + "' in " + in.getName() + " is not a "
            + (SpecialNumbers.isSpecial(v) ? "finite number: a decimal cannot hold it" : "number"),
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

  /** To a date, from any date, timestamp or text ({@link Temporals}); {@code zone} places a timestamp with zone. */
  public static Conversion date(final List<String> formats, final ZoneId zone) {
    return Temporals.date(formats, zone);
  }

  /**
   * To a timestamp without zone, normalised to UTC from the declared {@code zone} of a naive source value
   * (a legacy system's local time); a timestamp with zone keeps its instant ({@link Temporals}).
   */
  public static Conversion timestamp(final List<String> formats, final ZoneId zone) {
    return Temporals.timestamp(formats, zone);
  }

  private static final Set<String> TRUE = Set.of("true", "t", "yes", "y", "1", "on");
  private static final Set<String> FALSE = Set.of("false", "f", "no", "n", "0", "off");

  /** To a boolean from true/false, yes/no, y/n, 1/0, on/off (any case). */
  public static Conversion bool() {
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null || v instanceof Boolean) {
        return new ColumnValue(name, v, null);
      }
      final String t = v.toString().trim().toLowerCase(Locale.ROOT);
      if (TRUE.contains(t)) {
        return new ColumnValue(name, true, null);
      }
      if (FALSE.contains(t)) {
        return new ColumnValue(name, false, null);
      }
      throw new ConversionException("map.boolean", "'" + v + "' in " + in.getName() + " is not a yes/no value",
          "use true/false, yes/no, y/n, 1/0 or on/off");
    };
  }

  /** What a lookup does with a code it does not have. */
  public enum OnMissing { ERROR, NULL, KEEP }

  /** Through a lookup table; a missing code is an error (rule {@code lookup.<name>}), NULL, or kept as is. */
  public static Conversion lookup(final Lookup lookup, final OnMissing onMissing) {
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, null);
      }
      final String code = v.toString().strip();
      final String mapped = lookup.values().get(code);
      if (mapped != null) {
        return new ColumnValue(name, mapped, null);
      }
      return switch (onMissing) {
        case NULL -> new ColumnValue(name, null, null);
        case KEEP -> new ColumnValue(name, code, null);
        default -> throw new ConversionException("lookup." + lookup.name(), "'" + code + "' in " + in.getName()
            + " is not in lookup " + lookup.name(), "add '" + code + "' to lookup " + lookup.name()
            + " (" + lookup.origin() + ") or correct the source value");
      };
    };
  }

  /** NULL becomes {@code value} (typed as the field's result would be). */
  public static Conversion defaultValue(final String value) {
    return (in, name) -> in.getValue() != null ? new ColumnValue(name, in.getValue(), in.getLogical())
        : new ColumnValue(name, value, in.getLogical());
  }

  /** Masks text, keeping the last {@code keepLast} characters: {@code +49 30 1234} -> {@code *********34}. */
  public static Conversion mask(final int keepLast) {
    return (Conversion.Protecting) (in, name) -> {
      if (in.getValue() == null) {
        return new ColumnValue(name, null, null);
      }
      final String s = in.getValue().toString();
      final int keep = Math.min(keepLast, s.length());
      return new ColumnValue(name, "*".repeat(s.length() - keep) + s.substring(s.length() - keep), null);
    };
  }

  /**
   * Replaces a value by a keyed pseudonym (HMAC-SHA256 with {@code key}, first 16 hex digits): the same
   * value always gives the same pseudonym, so joins still work, and without the key it cannot be reversed.
   */
  public static Conversion pseudonymize(final String key) {
    final byte[] secret = key.getBytes(StandardCharsets.UTF_8);
    return (Conversion.Protecting) (in, name) -> {
      if (in.getValue() == null) {
        return new ColumnValue(name, null, null);
      }
      try {
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        final byte[] digest = mac.doFinal(in.getValue().toString().getBytes(StandardCharsets.UTF_8));
        return new ColumnValue(name, HexFormat.of().formatHex(digest, 0, 8), null);
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    };
  }
}
