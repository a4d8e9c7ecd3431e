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

  public static LocalTime time(final Object micros) {
    return LocalTime.ofNanoOfDay(((Number) micros).longValue() * 1000L);
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
