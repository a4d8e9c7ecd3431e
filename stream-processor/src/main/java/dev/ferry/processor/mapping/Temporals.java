package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.List;
import java.util.Locale;

/**
 * The {@code date} and {@code timestamp} conversions, from every temporal kind a legacy database sends: a
 * date, a timestamp without zone (naive, in the field's {@code zone}), a timestamp with zone (an instant),
 * or text. Target timestamps are naive and normalised to UTC.
 *
 * <table>
 *   <caption>what each source becomes</caption>
 *   <tr><th>source</th><th>{@code type: date}</th><th>{@code type: timestamp}</th></tr>
 *   <tr><td>date</td><td>the date</td><td>its start in {@code zone}</td></tr>
 *   <tr><td>timestamp</td><td>its date; the time of day is dropped</td><td>read in {@code zone}</td></tr>
 *   <tr><td>timestamptz</td><td>its date in {@code zone}</td><td>the instant (its own offset, not {@code zone})</td></tr>
 *   <tr><td>text</td><td>{@code formats}, else ISO date, date-time or date-time with offset</td>
 *       <td>{@code formats}, else ISO date-time, date-time with offset, or date</td></tr>
 *   <tr><td>±infinity</td><td colspan="2">an error (rule {@code map.date}/{@code map.timestamp}): the target's
 *       type may hold no infinity, and a far date in its place would be a silent lie</td></tr>
 * </table>
 */
final class Temporals {
  private Temporals() {
  }

  static Conversion date(final List<String> formats, final ZoneId zone) {
    final List<DateTimeFormatter> parsers = formatters(formats);
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, "date");
      }
      refuseInfinity(in, "map.date", "date");
      final LocalDate date = switch (in.getLogical() == null ? "" : in.getLogical()) {
        case "date" -> LogicalValues.date(v);
        case "timestamp-micros" -> LogicalValues.timestamp(v).toLocalDate();
        case "timestamp-tz" -> instant(in, "map.date", "date").atZone(zone).toLocalDate();
        case "time-micros" -> throw new ConversionException("map.date", "'" + LogicalValues.time(v) + "' in "
            + in.getName() + " is a time of day, not a date", "map the column to a time column, or as-is");
        default -> parseDate(v.toString().trim(), parsers, in.getName(), formats, zone);
      };
      return new ColumnValue(name, (int) date.toEpochDay(), "date");
    };
  }

  static Conversion timestamp(final List<String> formats, final ZoneId zone) {
    final List<DateTimeFormatter> parsers = formatters(formats);
    return (in, name) -> {
      final Object v = in.getValue();
      if (v == null) {
        return new ColumnValue(name, null, "timestamp-micros");
      }
      refuseInfinity(in, "map.timestamp", "timestamp");
      final Instant instant = switch (in.getLogical() == null ? "" : in.getLogical()) {
        case "timestamp-micros" -> LogicalValues.timestamp(v).atZone(zone).toInstant();
        case "date" -> LogicalValues.date(v).atStartOfDay(zone).toInstant();
        case "timestamp-tz" -> instant(in, "map.timestamp", "timestamp");
        case "time-micros" -> throw new ConversionException("map.timestamp", "'" + LogicalValues.time(v) + "' in "
            + in.getName() + " is a time of day without a date", "map the column to a time column, or as-is");
        default -> parseInstant(v.toString().trim(), parsers, in.getName(), formats, zone);
      };
      return new ColumnValue(name, instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000,
          "timestamp-micros");
    };
  }

  /** PostgreSQL's {@code infinity} and {@code -infinity} (as text, or as the connector marks them). */
  static boolean isInfinity(final Object v) {
    return v instanceof CharSequence s && switch (s.toString().trim().toLowerCase(Locale.ROOT)) {
      case "infinity", "+infinity", "-infinity" -> true;
      default -> false;
    };
  }

  private static void refuseInfinity(final ColumnValue in, final String rule, final String type) {
    if (isInfinity(in.getValue())) {
      throw new ConversionException(rule, "'" + in.getValue() + "' in " + in.getName() + " is not a " + type
          + " the new system can hold", "map it as-is into a column of the same PostgreSQL type (which holds "
          + in.getValue() + "), or correct the source value");
    }
  }

  private static Instant instant(final ColumnValue in, final String rule, final String type) {
    try {
      return OffsetDateTime.parse(in.getValue().toString().trim()).toInstant();
    } catch (DateTimeParseException e) {
      throw new ConversionException(rule, "'" + in.getValue() + "' in " + in.getName() + " is not a " + type
          + " with a zone", "correct the source value");
    }
  }

  private static LocalDate parseDate(final String text, final List<DateTimeFormatter> parsers, final String column,
      final List<String> formats, final ZoneId zone) {
    if (parsers.isEmpty()) {
      try {
        return LocalDate.parse(text);
      } catch (DateTimeParseException e) {
        try {
          return parseIsoInstant(text, zone).atZone(zone).toLocalDate();
        } catch (DateTimeParseException again) {
          throw new ConversionException("map.date", "'" + text + "' in " + column + " is not a date in yyyy-MM-dd",
              "correct the source value, or add its format to the field's formats");
        }
      }
    }
    for (final DateTimeFormatter f : parsers) {
      try {
        return LocalDate.parse(text, f);
      } catch (DateTimeParseException e) {
        // try the next format
      }
    }
    throw new ConversionException("map.date", "'" + text + "' in " + column + " is not a date in "
        + String.join(" or ", formats), "correct the source value, or add its format to the field's formats");
  }

  private static Instant parseInstant(final String text, final List<DateTimeFormatter> parsers, final String column,
      final List<String> formats, final ZoneId zone) {
    if (parsers.isEmpty()) {
      try {
        return parseIsoInstant(text, zone);
      } catch (DateTimeParseException e) {
        try {
          return LocalDate.parse(text).atStartOfDay(zone).toInstant();
        } catch (DateTimeParseException again) {
          throw new ConversionException("map.timestamp", "'" + text + "' in " + column + " is not a timestamp in "
              + "ISO-8601", "correct the source value, or add its format to the field's formats");
        }
      }
    }
    for (final DateTimeFormatter f : parsers) {
      try {
        return LocalDateTime.parse(text, f).atZone(zone).toInstant();
      } catch (DateTimeParseException e) {
        // try the next format
      }
    }
    throw new ConversionException("map.timestamp", "'" + text + "' in " + column + " is not a timestamp in "
        + String.join(" or ", formats), "correct the source value, or add its format to the field's formats");
  }

  /** ISO date-time with an offset ({@code Z}, {@code +01:00}) as that instant, else without one, in {@code zone}. */
  private static Instant parseIsoInstant(final String text, final ZoneId zone) {
    final String iso = text.replace(' ', 'T');
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException e) {
      return LocalDateTime.parse(iso).atZone(zone).toInstant();
    }
  }

  /**
   * Strict formatters: {@code 31.02.1996} is an error, not silently the 29th (Java's default resolver would
   * "correct" it). Year letters {@code y} are read as proleptic years, as strict resolution needs. Empty for
   * none given: the ISO forms are then tried.
   */
  private static List<DateTimeFormatter> formatters(final List<String> formats) {
    return formats.stream().map(f -> DateTimeFormatter.ofPattern(f.replace('y', 'u'), Locale.ROOT)
        .withResolverStyle(ResolverStyle.STRICT)).toList();
  }

}
