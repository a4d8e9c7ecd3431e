package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The fast path for large batches (the initial snapshot, replays): rows are streamed with {@code COPY}
 * into a session-local staging table shaped like the written columns, then merged with one
 * {@code INSERT .. SELECT .. ON CONFLICT (key) DO UPDATE .. WHERE version <}: the same version guard as
 * {@link UpsertStatement}, at the speed of COPY. The batch must hold each key once (the writer collapses
 * it first).
 */
final class CopyUpsert {
  private CopyUpsert() {
  }

  static void write(final Connection c, final TargetTable table, final List<String> columns,
      final String versionColumn, final List<ApplyRecord> rows) throws SQLException {
    final String stage = Sql.quote("ferry_stage_" + table.name() + "_" + Integer.toHexString(columns.hashCode()));
    final String names = columns.stream().map(Sql::quote).collect(Collectors.joining(", "));
    final String version = Sql.quote(versionColumn);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TEMP TABLE IF NOT EXISTS " + stage + " AS SELECT " + names + ", " + version + " FROM "
          + table.sqlName() + " WITH NO DATA");
      s.execute("TRUNCATE " + stage);
    }
    final StringBuilder data = new StringBuilder(rows.size() * 64);
    for (final ApplyRecord a : rows) {
      for (final ColumnValue v : a.getRow()) {
        text(v, data);
        data.append('\t');
      }
      data.append(a.getVersion()).append('\n');
    }
    try {
      c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + stage + " (" + names + ", " + version
          + ") FROM STDIN", new StringReader(data.toString()));
    } catch (IOException e) {
      throw new SQLException("COPY into " + stage + " failed: " + e.getMessage(), "08006", e);
    }
    final String key = table.primaryKey().stream().map(Sql::quote).collect(Collectors.joining(", "));
    final String updates = columns.stream().filter(col -> !table.primaryKey().contains(col))
        .map(col -> Sql.quote(col) + " = EXCLUDED." + Sql.quote(col)).collect(Collectors.joining(", "));
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO " + table.sqlName() + " AS t (" + names + ", " + version + ") SELECT " + names
          + ", " + version + " FROM " + stage + " ON CONFLICT (" + key + ") DO UPDATE SET "
          + (updates.isEmpty() ? "" : updates + ", ") + version + " = EXCLUDED." + version
          + " WHERE t." + version + " < EXCLUDED." + version);
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
