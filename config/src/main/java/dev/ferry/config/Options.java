package dev.ferry.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses enum options written in lower case with dashes ({@code exactly-once}), naming the allowed values on error. */
public final class Options {
  private Options() {
  }

  /** The user-facing spelling of a constant: {@code EXACTLY_ONCE -> exactly-once}. */
  public static String text(final Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** All allowed spellings, comma-separated. */
  public static <E extends Enum<E>> String allowed(final Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(Options::text).collect(Collectors.joining(", "));
  }

  /**
   * Parses {@code raw} into a constant of {@code type}.
   *
   * @throws IllegalArgumentException naming the allowed values when {@code raw} matches none
   */
  public static <E extends Enum<E>> E parse(final Class<E> type, final String raw) {
    final String wanted = raw.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (final E constant : type.getEnumConstants()) {
      if (text(constant).equals(wanted)) {
        return constant;
      }
    }
    throw new IllegalArgumentException("'" + raw + "' is not one of " + allowed(type));
  }
}
