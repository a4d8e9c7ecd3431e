package dev.ferry.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.SpecialNumbers;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * One column of a target table and how its values compare: both sides (a legacy row through the mapping, and the
 * target's own row) become the same canonical text for what the column can hold, so that {@code 18.6} as a
 * legacy {@code real} and {@code 18.60} in a {@code numeric(10,2)} compare equal and {@code 18.61} does not.
 *
 * <p>The canonical form follows what the target does with a written value: a decimal is rounded to the column's
 * scale (half away from zero, as PostgreSQL and MariaDB round), a {@code char(n)} loses its padding, a JSON value
 * its key order and white space, a timestamp with zone becomes its instant. Null stays null.
 *
 * @param name the target column
 * @param kind what the column holds
 * @param scale the decimal scale, -1 when not fixed
 */
record TargetColumn(String name, Kind kind, int scale) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final Map<String, Boolean> WORDS = Map.of("t", true, "true", true, "y", true, "yes", true,
      "1", true, "f", false, "false", false, "n", false, "no", false, "0", false);
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS",
      Locale.ROOT);

  /** What a target column holds, as far as comparing values goes. */
  enum Kind {
    INTEGER, DECIMAL, FLOAT, DOUBLE, BOOLEAN, CHAR, TEXT, DATE, TIMESTAMP, TIMESTAMP_TZ, TIME, BYTES, JSON,
    /** PostgreSQL's {@code money}: its text carries the locale's currency format, so it is read as numeric. */
    MONEY;

    /** Whether sums of the column are reported. */
    boolean numeric() {
      return this == INTEGER || this == DECIMAL || this == FLOAT || this == DOUBLE || this == MONEY;
    }
  }

  /**
   * The column as JDBC's metadata describes it ({@code DATA_TYPE}, {@code TYPE_NAME}, {@code COLUMN_SIZE},
   * {@code DECIMAL_DIGITS}). A {@code numeric} without a declared precision (PostgreSQL reports it as size 0 or
   * 1000 and more) keeps every digit it is given, so no scale is applied.
   */
  static TargetColumn of(final String name, final int jdbcType, final String typeName, final int columnSize,
      final int decimalDigits) {
    final String type = typeName == null ? "" : typeName.toLowerCase(Locale.ROOT);
    final Kind kind = switch (jdbcType) {
      // MariaDB's tinyint(1) is its boolean; its driver reports it as BIT by default
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> Kind.INTEGER;
      case Types.NUMERIC, Types.DECIMAL -> Kind.DECIMAL;
      case Types.REAL -> Kind.FLOAT;
      // the driver reports PostgreSQL's money as a double, which its text ("$1,234.56") is not
      case Types.FLOAT, Types.DOUBLE -> type.equals("money") ? Kind.MONEY : type.contains("float4") ? Kind.FLOAT
          : Kind.DOUBLE;
      // a PostgreSQL bit string longer than one bit is text ("0010"), as the capture sends it
      case Types.BIT -> type.equals("bit") && columnSize > 1 ? Kind.TEXT : Kind.BOOLEAN;
      case Types.BOOLEAN -> Kind.BOOLEAN;
      case Types.CHAR, Types.NCHAR -> Kind.CHAR;
      case Types.DATE -> Kind.DATE;
      case Types.TIMESTAMP -> type.equals("timestamptz") ? Kind.TIMESTAMP_TZ : Kind.TIMESTAMP;
      case Types.TIMESTAMP_WITH_TIMEZONE -> Kind.TIMESTAMP_TZ;
      case Types.TIME, Types.TIME_WITH_TIMEZONE -> Kind.TIME;
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> Kind.BYTES;
      default -> type.startsWith("json") ? Kind.JSON : Kind.TEXT;
    };
    final boolean declaredScale = kind == Kind.DECIMAL && columnSize > 0 && columnSize < 1000;
    return new TargetColumn(name, kind, declaredScale ? decimalDigits : -1);
  }

  /** How a scan selects this column, {@code quoted} its quoted name: money as numeric, the rest as it is. */
  String select(final String quoted) {
    return kind == Kind.MONEY ? quoted + "::numeric" : quoted;
  }

  /** The canonical text of the target's own value in column {@code index} of {@code rs}; null for SQL NULL. */
  String read(final ResultSet rs, final int index) throws SQLException {
    final Object v = switch (kind) {
      case INTEGER, DECIMAL, MONEY -> {
        final String text = rs.getString(index);
        yield text == null ? null : SpecialNumbers.canonical(text) != null ? SpecialNumbers.canonical(text)
            : rs.getBigDecimal(index);
      }
      case FLOAT -> {
        final float f = rs.getFloat(index);
        yield rs.wasNull() ? null : f;
      }
      case DOUBLE -> {
        final double d = rs.getDouble(index);
        yield rs.wasNull() ? null : d;
      }
      case BOOLEAN -> {
        final boolean b = rs.getBoolean(index);
        yield rs.wasNull() ? null : b;
      }
      case DATE -> rs.getObject(index, LocalDate.class);
      case TIMESTAMP -> rs.getObject(index, LocalDateTime.class);
      case TIMESTAMP_TZ -> rs.getObject(index, OffsetDateTime.class);
      case TIME -> rs.getObject(index, LocalTime.class);
      case BYTES -> rs.getBytes(index);
      default -> rs.getString(index);
    };
    return canonical(v);
  }

  /** The canonical text of a mapped value headed for this column; null for null. */
  String mapped(final ColumnValue value) {
    final Object v = value.getValue();
    if (v == null) {
      return null;
    }
    final String logical = value.getLogical();
    if (logical == null) {
      return canonical(v instanceof ByteBuffer bb ? bytes(bb) : v);
    }
    return switch (logical) {
      case "decimal" -> canonical(SpecialNumbers.isSpecial(v) ? v.toString() : new BigDecimal(v.toString()));
      case "date", "timestamp-micros", "time-micros" -> canonical(LogicalValues.temporal(value));
      case "timestamp-tz" -> canonical(OffsetDateTime.parse(v.toString()));
      default -> canonical(v.toString());
    };
  }

  /** The canonical text of {@code v} (a JDBC or mapped Java value) for this column. */
  String canonical(final Object v) {
    if (v == null) {
      return null;
    }
    try {
      return switch (kind) {
        case INTEGER, DECIMAL, MONEY -> {
          final BigDecimal d = decimal(v);
          if (d == null) {
            yield v.toString();
          }
          final BigDecimal scaled = scale >= 0 && kind == Kind.DECIMAL ? d.setScale(scale, RoundingMode.HALF_UP) : d;
          yield scaled.signum() == 0 ? "0" : scaled.stripTrailingZeros().toPlainString();
        }
        case FLOAT -> v instanceof Number n ? Float.toString(n.floatValue()) : Float.toString(Float.parseFloat(
            v.toString().trim()));
        case DOUBLE -> v instanceof Number n ? Double.toString(n.doubleValue())
            : Double.toString(Double.parseDouble(v.toString().trim()));
        case BOOLEAN -> Boolean.toString(bool(v));
        case CHAR -> v.toString().stripTrailing();
        case DATE -> date(v).toString();
        case TIMESTAMP -> TIMESTAMP.format(timestamp(v));
        case TIMESTAMP_TZ -> instant(v).toString();
        case TIME -> v instanceof LocalTime t ? time(t) : LogicalValues.END_OF_DAY.equals(v.toString())
            ? LogicalValues.END_OF_DAY : time(LocalTime.parse(v.toString()));
        case BYTES -> HexFormat.of().formatHex(v instanceof byte[] b ? b : v.toString().getBytes(
            java.nio.charset.StandardCharsets.UTF_8));
        case JSON -> JSON.writeValueAsString(JSON.readValue(v.toString(), Object.class));
        case TEXT -> v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : text(v);
      };
    } catch (RuntimeException | JsonProcessingException e) {
      // a value the column could not hold as such: compared as its text, so it shows as a difference
      return v.toString();
    }
  }

  /** A time's text; pgjdbc reads PostgreSQL's 24:00:00 as LocalTime.MAX, which PostgreSQL's precision cannot hold. */
  private static String time(final LocalTime t) {
    return t.equals(LocalTime.MAX) ? LogicalValues.END_OF_DAY : t.toString();
  }

  private static String text(final Object v) {
    if (v instanceof LocalDateTime t) {
      return TIMESTAMP.format(t);
    }
    return v.toString();
  }

  private static BigDecimal decimal(final Object v) {
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Float f) {
      return f.isNaN() || f.isInfinite() ? null : new BigDecimal(Float.toString(f));
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? null : BigDecimal.valueOf(d);
    }
    if (v instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (v instanceof Boolean b) {
      return b ? BigDecimal.ONE : BigDecimal.ZERO;
    }
    try {
      return new BigDecimal(v.toString().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean bool(final Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    final Boolean b = WORDS.get(v.toString().trim().toLowerCase(Locale.ROOT));
    if (b == null) {
      throw new IllegalArgumentException("not a boolean: " + v);
    }
    return b;
  }

  private static LocalDate date(final Object v) {
    if (v instanceof LocalDate d) {
      return d;
    }
    if (v instanceof LocalDateTime t) {
      return t.toLocalDate();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (v instanceof OffsetDateTime t) {
      return t.toLocalDate();
    }
    return LocalDate.parse(v.toString().trim());
  }

  private static LocalDateTime timestamp(final Object v) {
    if (v instanceof LocalDateTime t) {
      return t;
    }
    if (v instanceof LocalDate d) {
      return d.atStartOfDay();
    }
    if (v instanceof Timestamp t) {
      return t.toLocalDateTime();
    }
    if (v instanceof OffsetDateTime t) {
      // the sink's sessions run in UTC: a zoned value written into a column without zone is its UTC time
      return t.atZoneSameInstant(ZoneOffset.UTC).toLocalDateTime();
    }
    return LocalDateTime.parse(v.toString().trim().replace(' ', 'T'));
  }

  private static Instant instant(final Object v) {
    if (v instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (v instanceof LocalDateTime t) {
      // written without a zone: the target took it in the session's zone, UTC for the sink (PostgresDialect)
      return t.atZone(ZoneOffset.UTC).toInstant();
    }
    if (v instanceof LocalDate d) {
      return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
    if (v instanceof Timestamp t) {
      return t.toInstant();
    }
    return OffsetDateTime.parse(v.toString().trim()).toInstant();
  }

  private static byte[] bytes(final ByteBuffer bb) {
    final ByteBuffer copy = bb.duplicate();
    final byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }
}
