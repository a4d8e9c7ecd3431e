package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.EchoMark;
import dev.ferry.schemas.SpecialNumbers;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.TransactionMarker;
import dev.ferry.schemas.TransactionStatus;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns Debezium's Kafka Connect change records into Ferry's {@link ChangeEvent} and
 * {@link TransactionMarker} envelopes. Pure and stateless.
 *
 * <p>Values keep their exact meaning: Debezium's time types become days or microseconds with a
 * {@code logical} tag, decimals stay text, and a column whose value PostgreSQL did not send (an
 * unchanged TOAST value, which Debezium fills with {@value #UNAVAILABLE}) is left out of the row so
 * it can never be written to the target, and named in {@code unchanged}: a column the mapping reads that is
 * missing from a row without being named there is gone from the legacy table.
 */
public final class ChangeEventConverter {
  /** Debezium's placeholder for an unchanged TOASTed column. */
  public static final String UNAVAILABLE = "__debezium_unavailable_value";
  private static final String SOURCE_TYPE = "__debezium.source.column.type";

  /** The table ({@code schema.table}) a TRUNCATE event in {@code value} emptied; null for any other record. */
  public static String truncatedTable(final Struct value) {
    if (value == null || value.schema().field("op") == null || !"t".equals(value.getString("op"))) {
      return null;
    }
    final Struct source = value.getStruct("source");
    return source.getString("schema") + "." + source.getString("table");
  }

  /** The change in {@code value} (a Debezium envelope); null when it is not a data change. */
  public ChangeEvent change(final Struct key, final Struct value) {
    if (value == null || value.schema().field("op") == null) {
      return null;
    }
    final ChangeOp op = op(value.getString("op"));
    if (op == null) {
      return null;
    }
    final Struct source = value.getStruct("source");
    final Struct tx = value.schema().field("transaction") == null ? null : value.getStruct("transaction");
    final SourcePosition position = SourcePosition.newBuilder()
        .setDatabase(source.getString("db"))
        .setSchema$(source.getString("schema"))
        .setTable(source.getString("table"))
        .setLsn(lsn(source))
        .setTxId(tx == null ? null : xid(source, tx))
        .setTxOrder(tx == null ? null : tx.getInt64("total_order"))
        .setSnapshot(isSnapshot(source))
        .setIncremental("incremental".equals(String.valueOf(source.get("snapshot"))))
        .setTsMs(source.getInt64("ts_ms"))
        .build();
    return ChangeEvent.newBuilder()
        .setOp(op)
        .setSource(position)
        .setKey(key == null ? List.of() : columns(key))
        .setBefore(value.getStruct("before") == null ? null : columns(value.getStruct("before")))
        .setAfter(value.getStruct("after") == null ? null : columns(value.getStruct("after")))
        .setUnchanged(value.getStruct("after") == null ? List.of() : unavailable(value.getStruct("after")))
        .build();
  }

  /** The columns of a row struct whose value the source did not send (unchanged TOAST values). */
  static List<String> unavailable(final Struct row) {
    List<String> out = List.of();
    for (final Field f : row.schema().fields()) {
      if (isUnavailable(row.get(f))) {
        if (out.isEmpty()) {
          out = new ArrayList<>();
        }
        out.add(f.name());
      }
    }
    return out;
  }

  /** A transaction BEGIN or END from Debezium's transaction topic. */
  public TransactionMarker transaction(final Struct value) {
    final Map<String, Long> counts = new LinkedHashMap<>();
    final Field collections = value.schema().field("data_collections");
    if (collections != null && value.get(collections) != null) {
      for (final Object o : value.getArray("data_collections")) {
        final Struct c = (Struct) o;
        counts.put(c.getString("data_collection"), c.getInt64("event_count"));
      }
    }
    return TransactionMarker.newBuilder()
        .setStatus(TransactionStatus.valueOf(value.getString("status")))
        .setTxId(beforeColon(value.getString("id")))
        .setCommitLsn(commitLsn(value.getString("id")))
        .setEventCount(value.getInt64("event_count"))
        .setTableCounts(counts)
        .setTsMs(value.schema().field("ts_ms") == null ? 0L : value.getInt64("ts_ms"))
        .build();
  }

  /**
   * The transaction's stable id. Debezium's {@code transaction.id} on PostgreSQL is
   * {@code <xid>:<lsn of this event>}, different for every event of one transaction; the xid is what
   * identifies the transaction.
   */
  private static String xid(final Struct source, final Struct tx) {
    final String xid = sourceTxId(source);
    return xid != null ? xid : beforeColon(tx.getString("id"));
  }

  /** The PostgreSQL transaction id {@code source} (Debezium's source block) names; null when it names none. */
  static String sourceTxId(final Struct source) {
    final Object xid = source == null || source.schema().field("txId") == null ? null : source.get("txId");
    return xid == null ? null : xid.toString();
  }

  private static String beforeColon(final String id) {
    final int colon = id.indexOf(':');
    return colon < 0 ? id : id.substring(0, colon);
  }

  /**
   * The commit position of a transaction from its END marker's id ({@code <xid>:<commit lsn>} on
   * PostgreSQL), or -1 when the id carries none.
   */
  static long commitLsn(final String markerId) {
    final int colon = markerId.indexOf(':');
    if (colon < 0) {
      return -1;
    }
    try {
      return Long.parseLong(markerId.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ChangeOp op(final String code) {
    return switch (code) {
      case "r" -> ChangeOp.READ;
      case "c" -> ChangeOp.CREATE;
      case "u" -> ChangeOp.UPDATE;
      case "d" -> ChangeOp.DELETE;
      default -> null;
    };
  }

  /** The log position Debezium's source block {@code source} names; 0 where it names none. */
  static long lsn(final Struct source) {
    final Object lsn = source.schema().field("lsn") == null ? null : source.get("lsn");
    return lsn == null ? 0L : ((Number) lsn).longValue();
  }

  private static boolean isSnapshot(final Struct source) {
    final Object s = source.get("snapshot");
    return s != null && !"false".equals(String.valueOf(s));
  }

  /** The columns of a row struct, in schema order, without unavailable (unchanged TOAST) values. */
  static List<ColumnValue> columns(final Struct row) {
    final List<ColumnValue> out = new ArrayList<>(row.schema().fields().size());
    for (final Field f : row.schema().fields()) {
      final Object raw = row.get(f);
      if (isUnavailable(raw)) {
        continue;
      }
      out.add(value(f.name(), f.schema(), raw));
    }
    return out;
  }

  private static boolean isUnavailable(final Object raw) {
    if (raw instanceof String s) {
      return UNAVAILABLE.equals(s);
    }
    if (raw instanceof byte[] b) {
      return b.length == UNAVAILABLE.length() && UNAVAILABLE.equals(new String(b, java.nio.charset.StandardCharsets.UTF_8));
    }
    return false;
  }

  static ColumnValue value(final String name, final Schema schema, final Object raw) {
    final String logicalName = schema.name();
    if (raw == null) {
      return new ColumnValue(name, null, logical(logicalName, schema));
    }
    if (Decimal.LOGICAL_NAME.equals(logicalName)) {
      return new ColumnValue(name, ((BigDecimal) raw).toPlainString(), "decimal");
    }
    if (logicalName != null) {
      switch (logicalName) {
        case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" -> {
          final int days = raw instanceof java.util.Date d
              ? (int) Math.floorDiv(d.getTime(), 86_400_000L) : ((Number) raw).intValue();
          final String infinity = Infinity.ofDate(days);
          return infinity != null ? Infinity.value(name, infinity) : new ColumnValue(name, days, "date");
        }
        case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp" -> {
          final long value = ((Number) raw).longValue();
          final String infinity = Infinity.ofTimestamp(value);
          if (infinity != null) {
            return Infinity.value(name, infinity);
          }
          return new ColumnValue(name, switch (logicalName) {
            case "io.debezium.time.Timestamp" -> value * 1000L;
            case "io.debezium.time.NanoTimestamp" -> value / 1000L;
            default -> value;
          }, "timestamp-micros");
        }
        case "io.debezium.time.MicroTime" -> {
          return new ColumnValue(name, ((Number) raw).longValue(), "time-micros");
        }
        case "io.debezium.time.Time" -> {
          return new ColumnValue(name, ((Number) raw).longValue() * 1000L, "time-micros");
        }
        case "io.debezium.time.ZonedTimestamp" -> {
          final String text = raw.toString();
          return Infinity.isText(text) ? Infinity.value(name, text) : new ColumnValue(name, text, "timestamp-tz");
        }
        case "io.debezium.time.ZonedTime" -> {
          return new ColumnValue(name, raw.toString(), "time-tz");
        }
        case "io.debezium.time.Interval" -> {
          return new ColumnValue(name, raw.toString(), "interval");
        }
        case "io.debezium.data.Uuid" -> {
          return new ColumnValue(name, raw.toString(), "uuid");
        }
        case "io.debezium.data.Json" -> {
          return new ColumnValue(name, raw.toString(), "json");
        }
        default -> {
          // fall through to the plain type
        }
      }
    }
    final Object value = switch (schema.type()) {
      case INT8, INT16, INT32 -> ((Number) raw).intValue();
      case INT64 -> ((Number) raw).longValue();
      case FLOAT32 -> ((Number) raw).floatValue();
      case FLOAT64 -> ((Number) raw).doubleValue();
      case BOOLEAN -> raw;
      case STRING -> raw.toString();
      case BYTES -> raw instanceof ByteBuffer bb ? bb : ByteBuffer.wrap((byte[]) raw);
      default -> raw.toString();
    };
    final String logical = logical(logicalName, schema);
    if ("decimal".equals(logical) && value instanceof String text && SpecialNumbers.canonical(text) != null) {
      return new ColumnValue(name, SpecialNumbers.canonical(text), logical);
    }
    return new ColumnValue(name, value, logical);
  }


  private static String logical(final String logicalName, final Schema schema) {
    if (Decimal.LOGICAL_NAME.equals(logicalName)) {
      return "decimal";
    }
    final Map<String, String> params = schema.parameters();
    if (params != null && params.containsKey(SOURCE_TYPE)) {
      final String sourceType = params.get(SOURCE_TYPE).toUpperCase(Locale.ROOT);
      if (sourceType.equals("NUMERIC") || sourceType.equals("DECIMAL") || sourceType.equals("MONEY")) {
        return "decimal";
      }
    }
    return null;
  }

  /** A transactional logical decoding message with Ferry's echo prefix (Debezium's op {@code m}). */
  static boolean isEchoMark(final Struct value) {
    if (value.schema().field("message") == null || !"m".equals(value.schema().field("op") == null ? null
        : value.getString("op"))) {
      return false;
    }
    final Struct message = value.getStruct("message");
    return message != null && EchoMark.PREFIX.equals(message.getString("prefix"));
  }
}
