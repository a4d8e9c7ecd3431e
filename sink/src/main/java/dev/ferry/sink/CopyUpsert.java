package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The fast path for large batches (the initial snapshot, replays): rows are streamed with {@code COPY}
 * into a session-local staging table shaped like the written columns, then merged with one
 * {@code INSERT .. SELECT .. ON CONFLICT (key) DO UPDATE .. WHERE version <}: the same version guard as
 * {@link PostgresDialect#upsert}, at the speed of COPY. The batch must hold each key once (the writer collapses
 * it first).
 */
final class CopyUpsert {
  /** Characters sent to the server at a time. */
  private static final int CHUNK = 64 * 1024;

  private CopyUpsert() {
  }

  private static void send(final CopyIn copy, final StringBuilder chunk) throws SQLException {
    if (chunk.length() > 0) {
      final byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
      copy.writeToCopy(bytes, 0, bytes.length);
      chunk.setLength(0);
    }
  }

  static void write(final Connection c, final PostgresDialect sql, final TargetTable table,
      final List<String> columns, final String versionColumn, final List<ApplyRecord> rows) throws SQLException {
    final String stage = sql.quote("ferry_stage_" + table.name() + "_" + Integer.toHexString(columns.hashCode()));
    final String names = columns.stream().map(sql::quote).collect(Collectors.joining(", "));
    final String version = sql.quote(versionColumn);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TEMP TABLE IF NOT EXISTS " + stage + " AS SELECT " + names + ", " + version + " FROM "
          + table.sqlName(sql) + " WITH NO DATA");
      s.execute("TRUNCATE " + stage);
    }
    final CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + stage + " (" + names + ", "
        + version + ") FROM STDIN");
    try {
      // streamed in chunks: one text of the whole batch would be megabytes, copied twice, and the
      // garbage collector's most expensive kind of object
      final StringBuilder chunk = new StringBuilder(CHUNK + 1024);
      for (final ApplyRecord a : rows) {
        for (final ColumnValue v : a.getRow()) {
          text(v, chunk);
          chunk.append('\t');
        }
        chunk.append(a.getVersion()).append('\n');
        if (chunk.length() >= CHUNK) {
          send(copy, chunk);
        }
      }
      send(copy, chunk);
      copy.endCopy();
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO " + table.sqlName(sql) + " AS t (" + names + ", " + version + ") SELECT " + names
          + ", " + version + " FROM " + stage + sql.guardedUpdate(table, columns, versionColumn));
    }
  }

  /** {@code v} in COPY's text format: {@code \N} for NULL, backslash, tab and line breaks escaped. */
  static void text(final ColumnValue v, final StringBuilder out) {
    final Object value = v.getValue();
    if (value == null) {
      out.append("\\N");
      return;
    }
    final Object temporal = LogicalValues.temporal(v);
    final String s;
    if (temporal != null) {
      s = temporal.toString();
    } else if (value instanceof ByteBuffer b) {
      final ByteBuffer copy = b.duplicate();
      final byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      s = "\\x" + HexFormat.of().formatHex(bytes);
    } else if (value instanceof Boolean bool) {
      s = bool ? "t" : "f";
    } else {
      s = value.toString();
    }
    for (int i = 0; i < s.length(); i++) {
      final char ch = s.charAt(i);
      switch (ch) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(ch);
      }
    }
  }
}
