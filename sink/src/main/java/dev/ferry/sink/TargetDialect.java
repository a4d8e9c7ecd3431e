package dev.ferry.sink;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * What differs between target databases: quoting, how a row is upserted by its primary key with the
 * version guard, the types of the sink's own tables, where tables live in the JDBC metadata. Everything
 * else in the sink is plain JDBC. The dialect is chosen by the JDBC URL ({@link #of}).
 */
sealed interface TargetDialect permits PostgresDialect, MariaDbDialect {

  /** The URL prefixes Ferry writes to, for error messages. */
  String SUPPORTED = "jdbc:postgresql://... (PostgreSQL) or jdbc:mariadb://... (MariaDB, MySQL)";

  /**
   * The dialect of {@code jdbcUrl}.
   *
   * @throws IllegalArgumentException naming the supported URL prefixes
   */
  static TargetDialect of(final String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return new PostgresDialect();
    }
    if (jdbcUrl.startsWith("jdbc:mariadb:")) {
      return new MariaDbDialect();
    }
    throw new IllegalArgumentException("no target dialect for " + jdbcUrl + "; use " + SUPPORTED);
  }

  /**
   * A SQL statement and, in order, the column whose value each {@code ?} takes (the version column included); with
   * {@code rows}, one that can take several rows at once by repeating its tuple of values.
   */
  record WriteStatement(String sql, List<String> parameters, Rows rows) {
    WriteStatement(final String sql, final List<String> parameters) {
      this(sql, parameters, null);
    }
  }

  /**
   * How a statement takes {@code n} rows: {@code head}, then {@code tuple} {@code n} times separated by commas, then
   * {@code tail}; each row's parameters in the order of {@link WriteStatement#parameters}.
   */
  record Rows(String head, String tuple, String tail) {
    String sql(final int n) {
      final StringBuilder b = new StringBuilder(head.length() + tail.length() + n * (tuple.length() + 2)).append(head);
      for (int i = 0; i < n; i++) {
        b.append(i == 0 ? "" : ", ").append(tuple);
      }
      return b.append(tail).toString();
    }
  }

  /** {@code name} as a quoted identifier, embedded quotes escaped. */
  String quote(String name);

  /**
   * Driver properties Ferry connects to the target with; {@code who} names the connection where the database shows
   * it ({@code ferry-sink}, {@code ferry-reconcile}...).
   */
  Properties connectionProperties(String who);

  /**
   * Lifts, for this session, the time limits a database administrator may set for every session (a statement's
   * longest run): Ferry's statements are long by nature (dev.ferry.schemas.PostgresSessions says why). PostgreSQL
   * lifts the older limits in the connection's properties and those of newer servers here.
   */
  default void liftTimeLimits(final Connection c) throws SQLException {
  }

  /**
   * Opens a connection to {@code url} with {@code properties} ({@link #connectionProperties} and the user's) and its
   * time limits lifted ({@link #liftTimeLimits}).
   */
  default Connection open(final String url, final Properties properties) throws SQLException {
    final Connection c = java.sql.DriverManager.getConnection(url, properties);
    try {
      liftTimeLimits(c);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Session settings applied to each new connection. */
  default void onConnect(final Connection c) throws SQLException {
  }

  /**
   * Marks the open transaction as written by Ferry's sink, so that a capture of this database (the reverse direction
   * at cutover) knows it for an echo and drops it; called once per transaction, before its commit. None where the
   * database has no such mark.
   */
  default void markOwnWrites(final Connection c, final String who) throws SQLException {
  }

  /**
   * The statements that upsert rows of {@code columns} (key columns included) by primary key only,
   * writing a row only where the target holds no newer version. Run in order, each as one batch over
   * all rows. A null {@code versionColumn}: the table has none, and the rows are written unguarded (the caller
   * checked their versions with RowVersions).
   */
  List<WriteStatement> upsert(TargetTable table, List<String> columns, String versionColumn);

  /**
   * {@code DELETE .. WHERE key = ? AND version < ?}: a delete removes only a row older than itself. Without a
   * {@code versionColumn} (null) by key alone: the caller checked the versions (RowVersions).
   */
  default WriteStatement delete(final TargetTable table, final String versionColumn) {
    final List<String> params = new ArrayList<>(table.key());
    if (versionColumn == null) {
      return new WriteStatement("DELETE FROM " + table.sqlName(this) + " WHERE " + keyMatch(table.key(), ""),
          params);
    }
    params.add(versionColumn);
    return new WriteStatement("DELETE FROM " + table.sqlName(this) + " WHERE " + keyMatch(table.key(), "")
        + " AND " + quote(versionColumn) + " < ?", params);
  }

  /** {@code "a", "b"}: the columns quoted, comma-separated. */
  default String quotedList(final List<String> columns) {
    return columns.stream().map(this::quote).collect(Collectors.joining(", "));
  }

  /** {@code k1 = ? AND k2 = ?}, each column prefixed with {@code alias} (empty for none). */
  default String keyMatch(final List<String> key, final String alias) {
    return key.stream().map(k -> alias + quote(k) + " = ?").collect(Collectors.joining(" AND "));
  }

  // --- the sink's own tables (offsets, tombstones, parked rows) ---

  /**
   * Column type of a short text that is part of a primary key, compared byte by byte: keys that differ
   * only in case or trailing spaces are different rows, and a binary comparison is also the cheapest
   * (tombstone lookups compare thousands of keys per batch).
   */
  String keyText(int maxLength);

  /** Column type of a long text. */
  String longText();

  /** Column type of a byte string. */
  String bytes();

  /** A generated bigint primary key column named {@code name}. */
  String serialKey(String name);

  /** Column type and default of a "when" column set by the database on insert. */
  String timestampNow();

  /** The database's current time in an expression. */
  String now();

  /** True when {@code column} is more than {@code ?} microseconds (bound as a long) in the past. */
  String olderThanMicros(String column);

  /** {@code INSERT INTO table}, with the alias {@link #existing} needs. */
  String insertInto(String table);

  /** The clause that turns an insert hitting {@code key} (the table's primary key) into the update that follows. */
  String onKeyConflict(List<String> key);

  /** In an {@link #onKeyConflict} update: the value the insert brought. */
  String incoming(String column);

  /** In an {@link #onKeyConflict} update: the value the row held. */
  String existing(String column);

  /**
   * Rows of {@code select} (which ends in {@code WHERE .. AND}) whose {@code column} is one of
   * {@code values}, read by {@code read}; {@code first} is bound before the list.
   */
  void selectIn(Connection c, String select, String column, String first, List<String> values, RowReader read)
      throws SQLException;

  /** Reads one result row. */
  @FunctionalInterface
  interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  // --- metadata ---

  /** The namespace a table without one lives in. */
  String defaultNamespace(Connection c) throws SQLException;

  /** Columns of a table, as {@link DatabaseMetaData#getColumns}. */
  ResultSet columns(DatabaseMetaData meta, String namespace, String table) throws SQLException;

  /** Foreign keys of a table, as {@link DatabaseMetaData#getImportedKeys}. */
  ResultSet importedKeys(DatabaseMetaData meta, String namespace, String table) throws SQLException;

  /** Foreign keys that reference a table, as {@link DatabaseMetaData#getExportedKeys}. */
  ResultSet exportedKeys(DatabaseMetaData meta, String namespace, String table) throws SQLException;

  /** The namespace of the referencing table in an {@link #exportedKeys} row. */
  String referencingNamespace(ResultSet exportedKey) throws SQLException;

  /** The namespace of the referenced table in an {@link #importedKeys} row. */
  String referencedNamespace(ResultSet importedKey) throws SQLException;

  /**
   * Makes the transaction {@code c} is in (or starts) check every constraint at each statement, a deferred one too,
   * so that a row it refuses is refused by its own statement, where the sink can tell which row it was. Nothing
   * where the target has no deferred constraints.
   */
  default void checkConstraintsNow(final Connection c) throws SQLException {
  }

  /** Binds SQL NULL into a column of JDBC type {@code sqlType}. */
  default void bindNull(final PreparedStatement ps, final int index, final int sqlType) throws SQLException {
    ps.setNull(index, sqlType);
  }

  /** Binds a UUID: a native uuid where the target has one, else its text. */
  default void bindUuid(final PreparedStatement ps, final int index, final java.util.UUID uuid) throws SQLException {
    ps.setString(index, uuid.toString());
  }

  /**
   * Binds text, or a value given as text (json, an interval), whose type the target infers from the column: PostgreSQL
   * reads an untyped parameter as a literal of the column's type (text, an enum, inet, an array, ...).
   */
  void bindOther(PreparedStatement ps, int index, String text) throws SQLException;
}
