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
  private static final int DAYS_1970_TO_2000 = 10_957;

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
   * The infinity a Debezium date value stands for, or null for a real date. PostgreSQL stores a date as days since
   * 2000-01-01 with {@code INT_MAX} and {@code INT_MIN} as {@code infinity} and {@code -infinity}; Debezium adds the
   * 10,957 days from 1970 to 2000 in 32-bit arithmetic, so they arrive as these two overflowed numbers (seen in
   * PoisonPillIT), neither of them a date PostgreSQL can hold.
   */
  static String ofDate(final int days) {
    if (days == Integer.MAX_VALUE + DAYS_1970_TO_2000) {
      return "infinity";
    }
    if (days == Integer.MIN_VALUE + DAYS_1970_TO_2000) {
      return "-infinity";
    }
    return null;
  }
}
