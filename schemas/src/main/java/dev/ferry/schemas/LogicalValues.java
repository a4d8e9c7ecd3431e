package dev.ferry.schemas;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;

/**
 * The Java values behind {@link ColumnValue}'s logical types: {@code date} is days since 1970-01-01,
 * {@code timestamp-micros} microseconds since the epoch without zone, {@code time-micros} microseconds of
 * the day. The one place that decodes them, for every stage that needs the real date or time.
 */
public final class LogicalValues {
  /**
   * PostgreSQL's {@code time '24:00:00'}, the end of a day (it takes it, and MariaDB's {@code TIME} does too), as
   * microseconds of the day: one more than any {@link LocalTime} holds. pgjdbc reads it as {@link LocalTime#MAX}.
   */
  public static final long END_OF_DAY_MICROS = 86_400_000_000L;
  /** {@link #END_OF_DAY_MICROS} as the text both databases take for it. */
  public static final String END_OF_DAY = "24:00:00";

  private LogicalValues() {
  }

  public static LocalDate date(final Object days) {
    return LocalDate.ofEpochDay(((Number) days).longValue());
  }

  public static LocalDateTime timestamp(final Object micros) {
    final long m = ((Number) micros).longValue();
    return LocalDateTime.ofEpochSecond(Math.floorDiv(m, 1_000_000L), (int) Math.floorMod(m, 1_000_000L) * 1000,
        ZoneOffset.UTC);
  }

  /**
   * The time of day {@code micros} stands for: a {@link LocalTime}, or the text {@value #END_OF_DAY} for the end of a
   * day, which no LocalTime holds (binding it as LocalTime.MAX would write 23:59:59.999999, a different value).
   */
  public static Object time(final Object micros) {
    final long m = ((Number) micros).longValue();
    return m == END_OF_DAY_MICROS ? END_OF_DAY : LocalTime.ofNanoOfDay(m * 1000L);
  }

  /** Microseconds of the day of a time read through JDBC: pgjdbc reads {@value #END_OF_DAY} as LocalTime.MAX. */
  public static long timeMicros(final LocalTime t) {
    return t.equals(LocalTime.MAX) ? END_OF_DAY_MICROS : t.toNanoOfDay() / 1000L;
  }

  /**
   * The date, timestamp or time a value stands for, or null when its logical type is none of those (or
   * the value is NULL).
   */
  public static Object temporal(final ColumnValue v) {
    return temporal(v.getLogical(), v.getValue());
  }

  /** {@link #temporal(ColumnValue)} of a value and its logical type (either may be null). */
  public static Object temporal(final String logical, final Object value) {
    if (value == null || logical == null) {
      return null;
    }
    return switch (logical) {
      case "date" -> date(value);
      case "timestamp-micros" -> timestamp(value);
      case "time-micros" -> time(value);
      default -> null;
    };
  }

  /** True when values of logical type {@code logical} (may be null) stand for a date, timestamp or time. */
  public static boolean isTemporal(final String logical) {
    return logical != null && switch (logical) {
      case "date", "timestamp-micros", "time-micros" -> true;
      default -> false;
    };
  }
}
