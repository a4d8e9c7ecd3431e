package dev.ferry.connector;

import dev.ferry.schemas.ColumnValue;

/**
 * PostgreSQL's {@code infinity} and {@code -infinity} dates and timestamps. Debezium sends them as sentinel
 * numbers (the JDBC driver's {@code DATE_POSITIVE_INFINITY} milliseconds, read as if they were a date or
 * microseconds), which downstream would read as a real but absurd date: a legacy {@code date 'infinity'}
 * arrived in the target as {@code -infinity}. Ferry carries them as the text PostgreSQL writes, with logical
 * type {@code infinity}, so the target gets them back exactly or refuses them (a dead letter), never a
 * made-up date.
 */
final class Infinity {
  /** Logical type of a date or timestamp that is {@code infinity} or {@code -infinity} (the value says which). */
  static final String LOGICAL = "infinity";
  /** pgjdbc's PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, milliseconds. */
  private static final long POSITIVE_MILLIS = 9223372036825200000L;
  private static final long NEGATIVE_MILLIS = -9223372036832400000L;

  private Infinity() {
  }

  static ColumnValue value(final String name, final String text) {
    return new ColumnValue(name, text.startsWith("-") ? "-infinity" : "infinity", LOGICAL);
  }

  static boolean isText(final String text) {
    return "infinity".equalsIgnoreCase(text) || "-infinity".equalsIgnoreCase(text)
        || "+infinity".equalsIgnoreCase(text);
  }

  /** The infinity a Debezium timestamp value stands for (in any of its precisions), or null for a real one. */
  static String ofTimestamp(final long value) {
    if (value == POSITIVE_MILLIS || value == Long.MAX_VALUE) {
      return "infinity";
    }
    if (value == NEGATIVE_MILLIS || value == Long.MIN_VALUE) {
      return "-infinity";
    }
    return null;
  }

  /**
   * The infinity a Debezium date value stands for, or null for a real one. Debezium turns the driver's sentinel
   * milliseconds into days and then into an {@code int}, which overflows: the two results are fixed numbers.
   */
  static String ofDate(final int days) {
    if (days == (int) Math.floorDiv(POSITIVE_MILLIS, 86_400_000L) || days == -2147472692) {
      return "infinity";
    }
    if (days == (int) Math.floorDiv(NEGATIVE_MILLIS, 86_400_000L) || days == Integer.MIN_VALUE + 10_957) {
      return "-infinity";
    }
    return null;
  }
}
