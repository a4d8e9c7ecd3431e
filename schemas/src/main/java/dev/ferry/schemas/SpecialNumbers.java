package dev.ferry.schemas;

/**
 * PostgreSQL's {@code numeric} also holds {@code NaN}, {@code Infinity} and {@code -Infinity}. Debezium names
 * them {@code NAN}, {@code POSITIVE_INFINITY} and {@code NEGATIVE_INFINITY}; Ferry carries them as PostgreSQL
 * writes them. The one place that knows both spellings, for the connector, the mapping and the sink.
 */
public final class SpecialNumbers {
  private SpecialNumbers() {
  }

  /** PostgreSQL's spelling of a special value in either spelling, or null when {@code text} is none. */
  public static String canonical(final String text) {
    return switch (text) {
      case "NaN", "NAN" -> "NaN";
      case "Infinity", "POSITIVE_INFINITY" -> "Infinity";
      case "-Infinity", "NEGATIVE_INFINITY" -> "-Infinity";
      default -> null;
    };
  }

  /** True for NaN and infinities: text in either spelling, or Java doubles and floats. */
  public static boolean isSpecial(final Object v) {
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite();
    }
    if (v instanceof Float f) {
      return f.isNaN() || f.isInfinite();
    }
    return v != null && canonical(v.toString()) != null;
  }
}
