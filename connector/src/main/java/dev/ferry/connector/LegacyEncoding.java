package dev.ferry.connector;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The legacy database's character encoding, as far as it concerns the capture. Debezium reads text as UTF-8, so
 * PostgreSQL converts it from the database's encoding (LATIN1, WIN1252, EUC_JP, ... all convert exactly). A database
 * in {@code SQL_ASCII} holds bytes PostgreSQL never checked: old clients often wrote LATIN1 text into one. Such text
 * cannot be converted, so the server refuses to send the row ({@code invalid byte sequence for encoding "UTF8"}),
 * to the snapshot's reads and the stream alike, and the capture cannot get past that change, which stays in the
 * WAL. Found at start, said at once, before such a value stops the capture hours into a migration.
 */
final class LegacyEncoding {
  private LegacyEncoding() {
  }

  /** The database's {@code server_encoding}. */
  static String of(final Connection legacy) throws SQLException {
    try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery("SHOW server_encoding")) {
      return rs.next() ? rs.getString(1) : "";
    }
  }

  /** What to tell the operator about {@code encoding}, or null when it converts to UTF-8 as it should. */
  static String warning(final String encoding, final String database) {
    if (!"SQL_ASCII".equalsIgnoreCase(encoding)) {
      return null;
    }
    return "the legacy database " + database + " is SQL_ASCII: PostgreSQL stores its text unchecked and sends it to "
        + "the capture as UTF-8 only where it is UTF-8. A value that is not (text in LATIN1 or WIN1252 written by an "
        + "older client) makes the server refuse the row (invalid byte sequence for encoding \"UTF8\"), in the "
        + "snapshot and in the stream alike, and the capture cannot get past that change. Before the sync, find the "
        + "values with bytes beyond ASCII (WHERE column ~ '[\\x80-\\xff]'), convert those that are not UTF-8 in the "
        + "legacy database, or move it to a UTF8 database";
  }
}
