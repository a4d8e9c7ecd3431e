package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
  /** Bytes sent to the server at a time. */
  private static final int CHUNK = 64 * 1024;

  private CopyUpsert() {
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
      // streamed in chunks of bytes written in place: one text of the whole batch would be megabytes,
      // copied twice, and a string per value was most of this method's garbage
      final CopyText chunk = new CopyText(CHUNK + 1024);
      for (final ApplyRecord a : rows) {
        for (final ColumnValue v : a.getRow()) {
          chunk.value(v);
          chunk.separator('\t');
        }
        chunk.number(a.getVersion());
        chunk.separator('\n');
        if (chunk.length() >= CHUNK) {
          copy.writeToCopy(chunk.bytes(), 0, chunk.length());
          chunk.clear();
        }
      }
      if (chunk.length() > 0) {
        copy.writeToCopy(chunk.bytes(), 0, chunk.length());
      }
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
}
