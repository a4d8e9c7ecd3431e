package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.SpecialNumbers;
import dev.ferry.schemas.TableKey;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a legacy table's rows over JDBC as the capture would send them: every column as the {@link ColumnValue}
 * that Debezium's snapshot gives through {@link ChangeEventConverter} (decimals as text, dates as days, timestamps
 * as microseconds, zoned timestamps as UTC text), each row as a snapshot {@link ChangeEvent}. So the mapping can be
 * run over the legacy data outside the stream (reconcile, audit) and see exactly what the processor sees.
 *
 * <p>The rows are streamed (a cursor, {@value #FETCH} at a time): memory does not grow with the table. A column
 * type this class does not know is read as its text, as Debezium reads unknown types.
 */
public final class LegacyRows {
  private static final int FETCH = 5_000;
  /** PostgreSQL's text of a {@code timetz}: {@code 13:45:56.789+02}, {@code +05:30}, {@code -03:30:15}. */
  private static final DateTimeFormatter PG_TIMETZ = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_TIME).appendOffset("+HH:mm:ss", "+00").toFormatter(Locale.ROOT);
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT);

  /** Takes one row; may throw to stop the scan. */
  @FunctionalInterface
  public interface Each {
    void accept(ChangeEvent row) throws Exception;
  }

  /**
   * Told of a row with a value that cannot be read as the capture would send it ({@code row} holds that column as
   * PostgreSQL's text); the scan goes on without the row.
   */
  @FunctionalInterface
  public interface Unreadable {
    void accept(ChangeEvent row, String column, String text, RuntimeException e) throws Exception;
  }

  private LegacyRows() {
  }

  /**
   * The columns Ferry keys the rows of {@code schema.table} by, in key order: its primary key, or where it has none,
   * the unique index it names as its replica identity ({@link TableKey#captured}); empty when neither.
   */
  public static List<String> primaryKey(final Connection c, final String qualified) throws SQLException {
    final String[] parts = qualified.split("\\.", 2);
    return TableKey.captured(c, parts[0], parts[1]).columns();
  }

  /** Rows in {@code schema.table}, by a quick count. */
  public static long count(final Connection c, final String qualified) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + quoted(qualified))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Streams every row of {@code schema.table} to {@code each}, as a snapshot read ({@link ChangeOp#READ}) with
   * its key and row; {@code where} (SQL, may be null) narrows the rows. Runs in a transaction of its own on
   * {@code c} (a cursor needs one), left as it was.
   *
   * @return the rows read
   */
  public static long scan(final Connection c, final String qualified, final String where, final Each each)
      throws Exception {
    return scan(c, qualified, where, null, each, null);
  }

  /**
   * Streams every row of {@code schema.table} as {@code snapshot} sees it ({@link ExportedSnapshot#begin}), each as a
   * snapshot read at the snapshot's position and time, as Debezium's snapshot sends it; a row with a value that
   * cannot be read so goes to {@code unreadable} instead.
   *
   * @return the rows read, unreadable ones included
   */
  public static long scanIn(final ExportedSnapshot snapshot, final Connection c, final String qualified,
      final Each each, final Unreadable unreadable) throws Exception {
    return scan(c, qualified, null, snapshot, each, unreadable);
  }

  /** {@code unreadable} null: a value that cannot be read ends the scan with its exception. */
  private static long scan(final Connection c, final String qualified, final String where,
      final ExportedSnapshot snapshot, final Each each, final Unreadable unreadable) throws Exception {
    final List<String> key = primaryKey(c, qualified);
    final String query = select(c, qualified) + (where == null ? "" : " WHERE " + where);
    final boolean autoCommit = c.getAutoCommit();
    final int isolation = c.getTransactionIsolation();
    if (snapshot != null) {
      ExportedSnapshot.begin(c, snapshot.name());
    }
    c.setAutoCommit(false);
    final long position = snapshot == null ? 0L : snapshot.position();
    final long tsMs = snapshot == null ? 0L : snapshot.takenAtMs();
    long n = 0;
    try (Statement s = c.createStatement()) {
      s.setFetchSize(FETCH);
      final String[] parts = qualified.split("\\.", 2);
      try (ResultSet rs = s.executeQuery(query)) {
        final ResultSetMetaData meta = rs.getMetaData();
        final int columns = meta.getColumnCount();
        final String[] types = new String[columns + 1];
        final int[] scales = new int[columns + 1];
        final String[] names = new String[columns + 1];
        for (int i = 1; i <= columns; i++) {
          names[i] = meta.getColumnLabel(i);
          types[i] = meta.getColumnTypeName(i).toLowerCase(Locale.ROOT);
          scales[i] = meta.getScale(i);
        }
        while (rs.next()) {
          final List<ColumnValue> row = new ArrayList<>(columns);
          int bad = 0;
          RuntimeException badError = null;
          for (int i = 1; i <= columns; i++) {
            ColumnValue v;
            try {
              v = value(names[i], types[i], scales[i], rs, i);
            } catch (RuntimeException e) {
              if (unreadable == null) {
                throw e;
              }
              bad = i;
              badError = e;
              v = new ColumnValue(names[i], rs.getString(i), null);
            }
            // as the converter does: a NULL keeps only the decimal tag, which its column's type gives
            row.add(v.getValue() == null && v.getLogical() != null && !"decimal".equals(v.getLogical())
                ? new ColumnValue(v.getName(), null, null) : v);
          }
          final List<ColumnValue> keyValues = new ArrayList<>(key.size());
          for (final String k : key) {
            for (final ColumnValue v : row) {
              if (v.getName().equals(k)) {
                keyValues.add(v);
              }
            }
          }
          final ChangeEvent read = ChangeEvent.newBuilder()
              .setOp(ChangeOp.READ)
              .setSource(SourcePosition.newBuilder().setDatabase(c.getCatalog()).setSchema$(parts[0])
                  .setTable(parts[1]).setLsn(position).setSnapshot(true).setTsMs(tsMs).build())
              .setKey(keyValues)
              .setAfter(row)
              .build();
          if (badError == null) {
            each.accept(read);
          } else {
            unreadable.accept(read, names[bad], rs.getString(bad), badError);
          }
          n++;
        }
      }
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
      c.setTransactionIsolation(isolation);
    }
    return n;
  }

  /** A select of every column; money is read as numeric, as Debezium gives it with decimals as text. */
  private static String select(final Connection c, final String qualified) throws SQLException {
    final String[] parts = qualified.split("\\.", 2);
    final List<String> columns = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getColumns(null, parts[0], parts[1], null)) {
      while (rs.next()) {
        final String name = rs.getString("COLUMN_NAME");
        final String type = rs.getString("TYPE_NAME").toLowerCase(Locale.ROOT);
        columns.add(type.equals("money") ? quote(name) + "::numeric AS " + quote(name) : quote(name));
      }
    }
    if (columns.isEmpty()) {
      throw new SQLException("legacy table " + qualified + " not found");
    }
    return "SELECT " + String.join(", ", columns) + " FROM " + quoted(qualified);
  }

  /** {@code "schema"."table"} for SQL on the legacy database. */
  public static String quoted(final String qualified) {
    final String[] parts = qualified.split("\\.", 2);
    return quote(parts[0]) + "." + quote(parts[1]);
  }

  /** An identifier quoted for SQL on the legacy database. */
  public static String quote(final String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /**
   * One column as the capture sends it; see {@link ChangeEventConverter#value}. {@code scale} is the column's
   * fractional-second digits for a zoned timestamp, which Debezium writes them all of (UTC, {@code Z}).
   */
  static ColumnValue value(final String name, final String type, final int scale, final ResultSet rs, final int i)
      throws SQLException {
    return switch (type) {
      case "int2", "int4", "serial", "smallserial", "smallint", "integer" -> {
        final int v = rs.getInt(i);
        yield new ColumnValue(name, rs.wasNull() ? null : v, null);
      }
      case "int8", "bigserial", "bigint", "oid" -> {
        final long v = rs.getLong(i);
        yield new ColumnValue(name, rs.wasNull() ? null : v, null);
      }
      case "float4", "real" -> {
        final float v = rs.getFloat(i);
        yield new ColumnValue(name, rs.wasNull() ? null : v, null);
      }
      case "float8", "double precision" -> {
        final double v = rs.getDouble(i);
        yield new ColumnValue(name, rs.wasNull() ? null : v, null);
      }
      case "bool", "boolean" -> {
        final boolean v = rs.getBoolean(i);
        yield new ColumnValue(name, rs.wasNull() ? null : v, null);
      }
      case "bit" -> {
        // as the capture sends it: bit(1) a boolean, a longer bit string its text (PostgresTextValues)
        final String bits = rs.getString(i);
        yield new ColumnValue(name, bits == null || bits.length() != 1 ? bits : "1".equals(bits), null);
      }
      case "numeric", "decimal", "money" -> {
        final String text = rs.getString(i);
        if (text == null) {
          yield new ColumnValue(name, null, "decimal");
        }
        final String special = SpecialNumbers.canonical(text);
        yield new ColumnValue(name, special != null ? special : rs.getBigDecimal(i).toPlainString(), "decimal");
      }
      // pgjdbc reads PostgreSQL's infinity and -infinity as the type's MAX and MIN: carried as Debezium's are, text
      // with logical type infinity (Infinity), never as a date
      case "date" -> {
        final LocalDate d = rs.getObject(i, LocalDate.class);
        yield LocalDate.MAX.equals(d) || LocalDate.MIN.equals(d) ? infinity(name, LocalDate.MAX.equals(d))
            : new ColumnValue(name, d == null ? null : (int) d.toEpochDay(), "date");
      }
      case "timestamp" -> {
        final LocalDateTime t = rs.getObject(i, LocalDateTime.class);
        yield LocalDateTime.MAX.equals(t) || LocalDateTime.MIN.equals(t)
            ? infinity(name, LocalDateTime.MAX.equals(t))
            : new ColumnValue(name, t == null ? null
                : ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), t), "timestamp-micros");
      }
      case "timestamptz" -> {
        final OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        yield OffsetDateTime.MAX.equals(t) || OffsetDateTime.MIN.equals(t)
            ? infinity(name, OffsetDateTime.MAX.equals(t))
            : new ColumnValue(name, t == null ? null : zoned(t, scale), "timestamp-tz");
      }
      case "time" -> {
        final LocalTime t = rs.getObject(i, LocalTime.class);
        yield new ColumnValue(name, t == null ? null : LogicalValues.timeMicros(t), "time-micros");
      }
      case "timetz" -> new ColumnValue(name, zonedTime(rs.getString(i)), "time-tz");
      case "uuid" -> new ColumnValue(name, rs.getString(i), "uuid");
      case "json", "jsonb" -> new ColumnValue(name, rs.getString(i), "json");
      case "bytea" -> {
        final byte[] b = rs.getBytes(i);
        yield new ColumnValue(name, b == null ? null : ByteBuffer.wrap(b), null);
      }
      default -> new ColumnValue(name, rs.getString(i), null);
    };
  }

  private static ColumnValue infinity(final String name, final boolean positive) {
    return Infinity.value(name, positive ? "infinity" : "-infinity");
  }

  /**
   * A {@code timetz} as Debezium sends it: the same instant of the day at UTC, ISO ({@code 11:45:56Z},
   * {@code 11:45:56.789Z}; PostgreSQL's {@code 24:00:00+02}, the end of the day, {@code 22:00:00Z}); text that does not
   * parse is sent as PostgreSQL wrote it.
   */
  static String zonedTime(final String text) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetTime.parse(text, PG_TIMETZ).withOffsetSameInstant(ZoneOffset.UTC).format(
          DateTimeFormatter.ISO_OFFSET_TIME);
    } catch (DateTimeException e) {
      return text;
    }
  }

  /** {@code 2026-02-28T11:14:15.500000Z}: UTC, with as many fractional digits as the column declares. */
  private static String zoned(final OffsetDateTime t, final int scale) {
    final OffsetDateTime utc = t.withOffsetSameInstant(ZoneOffset.UTC);
    final StringBuilder sb = new StringBuilder(SECONDS.format(utc));
    if (scale > 0) {
      final String nanos = String.format(Locale.ROOT, "%09d", utc.getNano());
      sb.append('.').append(nanos, 0, Math.min(scale, 9));
    }
    return sb.append('Z').toString();
  }
}
