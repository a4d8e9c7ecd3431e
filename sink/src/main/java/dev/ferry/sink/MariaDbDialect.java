package dev.ferry.sink;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * MariaDB and MySQL (through MariaDB Connector/J). {@code INSERT .. ON DUPLICATE KEY UPDATE} is not used
 * for target rows: it fires on a clash with <em>any</em> unique key, so a row whose natural key collides
 * with another row's would silently overwrite that other row. Instead each batch runs two statements
 * keyed by the primary key only (on a table whose only unique key is its primary key, one {@code INSERT .. ON
 * DUPLICATE KEY UPDATE} guarded the same way instead: {@link #insertOrUpdate}):
 * <ol>
 *   <li>{@code UPDATE .. SET .. WHERE pk = ? AND version < ?}: rows the target holds in an older version;
 *   <li>{@code INSERT .. SELECT .. WHERE NOT EXISTS (pk = ?)}: rows the target does not hold at all.
 * </ol>
 * A row the target holds in a newer version matches neither. A clash on another unique key is an error
 * (1062) that the sink isolates to the row and dead-letters. Sessions run in strict mode, so a value the
 * column cannot hold is an error, never silently truncated.
 *
 * <p>The sink's own tables (offsets, tombstones) have only their primary key, so {@code ON DUPLICATE KEY}
 * is safe there.
 */
final class MariaDbDialect implements TargetDialect {
  /** Most values in one {@code IN (..)} list. */
  private static final int IN_LIST = 1000;

  @Override
  public String quote(final String name) {
    return '`' + name.replace("`", "``") + '`';
  }

  @Override
  public Properties connectionProperties(final String who) {
    final Properties p = new Properties();
    p.put("connectionAttributes", "program_name:" + who);
    // the driver's bulk protocol refuses INSERT .. SELECT ("not supported in the prepared statement
    // protocol yet"), which made every batch fall back to row by row; without it a batch is pipelined
    p.put("useBulkStmts", "false");
    return p;
  }

  @Override
  public void onConnect(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET SESSION sql_mode = IF(@@SESSION.sql_mode = '', 'STRICT_ALL_TABLES', "
          + "CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))");
      // Ferry's timestamps are UTC; a TIMESTAMP column converts from the session's zone
      s.execute("SET time_zone = '+00:00'");
      // Read committed, as on PostgreSQL. Under InnoDB's repeatable read, the NOT EXISTS of an insert and the
      // UPDATE of a row not there yet lock the gap up to the next key: two writers inserting new keys at the end of
      // a table each hold the gap the other's insert waits for (a deadlock), and while the rows of a batch are
      // isolated one by one (a thousand rows waiting for referenced rows) the writers deadlocked each other's
      // every retry and applied nothing. Each partition has one writer at a time and every write is guarded by
      // its version, which is all the sink needs. A server that logs statements (binlog_format STATEMENT) refuses
      // writes under read committed, so there the default stays.
      try (ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format")) {
        if (rs.next() && !(rs.getBoolean(1) && "STATEMENT".equalsIgnoreCase(rs.getString(2)))) {
          c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
      }
    }
    liftTimeLimits(c);
  }

  /**
   * MariaDB's {@code max_statement_time}, which a server or account may set (in seconds; a statement past it fails
   * with error 1969, which the driver reports as a timeout and the sink retried without end). MySQL has no such
   * setting for writes (its {@code max_execution_time} limits SELECTs only) and refuses the name, so it is set on
   * MariaDB only.
   */
  @Override
  public void liftTimeLimits(final Connection c) throws SQLException {
    if (c.getMetaData().getDatabaseProductVersion().contains("MariaDB")) {
      try (Statement s = c.createStatement()) {
        s.execute("SET SESSION max_statement_time = 0");
      }
    }
  }

  @Override
  public List<WriteStatement> upsert(final TargetTable table, final List<String> columns,
      final String versionColumn) {
    if (!table.otherUniqueKeys()) {
      return List.of(insertOrUpdate(table, columns, versionColumn));
    }
    final List<String> key = table.key();
    final List<String> updateParams = new ArrayList<>();
    columns.stream().filter(c -> !key.contains(c)).forEach(updateParams::add);
    if (versionColumn != null) {
      updateParams.add(versionColumn);
    }
    final String set = updateParams.stream().map(c -> quote(c) + " = ?").collect(Collectors.joining(", "));
    final boolean nothingToSet = updateParams.isEmpty();
    updateParams.addAll(key);
    if (versionColumn != null) {
      updateParams.add(versionColumn);
    }
    // without a version column the caller checked the versions (RowVersions)
    final String update = "UPDATE " + table.sqlName(this) + " SET " + set + " WHERE " + keyMatch(key, "")
        + (versionColumn == null ? "" : " AND " + quote(versionColumn) + " < ?");

    final List<String> insertParams = new ArrayList<>(columns);
    if (versionColumn != null) {
      insertParams.add(versionColumn);
    }
    final String names = quotedList(insertParams);
    final String marks = insertParams.stream().map(c -> "?").collect(Collectors.joining(", "));
    insertParams.addAll(key);
    final String insert = "INSERT INTO " + table.sqlName(this) + " (" + names + ") SELECT " + marks
        + " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM " + table.sqlName(this) + " WHERE " + keyMatch(key, "") + ")";
    final WriteStatement insertStatement = new WriteStatement(insert, insertParams);
    return nothingToSet ? List.of(insertStatement) : List.of(new WriteStatement(update, updateParams), insertStatement);
  }

  /**
   * One statement per row for a table whose only unique key is its primary key: {@code INSERT .. ON DUPLICATE KEY
   * UPDATE}, each column set only {@code IF} the stored version is older, the version last (MariaDB assigns left to
   * right, and the columns before it must see the stored one). Half the statements of the pair above, and it takes
   * many rows at once ({@link Rows}: {@code VALUES (..), (..)}); on any other table a clash on another unique key
   * would update the row holding that key, so the pair is kept there.
   */
  private WriteStatement insertOrUpdate(final TargetTable table, final List<String> columns,
      final String versionColumn) {
    final List<String> params = new ArrayList<>(columns);
    if (versionColumn != null) {
      params.add(versionColumn);
    }
    final List<String> updated = new ArrayList<>();
    columns.stream().filter(c -> !table.key().contains(c)).forEach(updated::add);
    if (versionColumn != null) {
      updated.add(versionColumn);
    }
    final String older = versionColumn == null ? null
        : quote(versionColumn) + " < VALUES(" + quote(versionColumn) + ")";
    final String set = updated.isEmpty()
        ? quote(table.key().get(0)) + " = " + quote(table.key().get(0))
        : updated.stream().map(c -> quote(c) + " = " + (older == null ? "VALUES(" + quote(c) + ")"
            : "IF(" + older + ", VALUES(" + quote(c) + "), " + quote(c) + ")")).collect(Collectors.joining(", "));
    final Rows rows = new Rows("INSERT INTO " + table.sqlName(this) + " (" + quotedList(params) + ") VALUES ",
        "(" + params.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")", " ON DUPLICATE KEY UPDATE " + set);
    return new WriteStatement(rows.sql(1), params, rows);
  }

  @Override
  public String keyText(final int maxLength) {
    // bytes, not a collation: the default ones make 'a' and 'A' one key, and even the binary ones make
    // 'b' and 'b ' one, so a tombstone of one key would overwrite another's
    return "varbinary(" + 4 * maxLength + ")";
  }

  @Override
  public String longText() {
    return "longtext";
  }

  @Override
  public String bytes() {
    return "longblob";
  }

  @Override
  public String serialKey(final String name) {
    return name + " bigint AUTO_INCREMENT PRIMARY KEY";
  }

  @Override
  public String timestampNow() {
    return "timestamp(6) NOT NULL DEFAULT current_timestamp(6)";
  }

  @Override
  public String now() {
    return "current_timestamp(6)";
  }

  @Override
  public String olderThanMicros(final String column) {
    return column + " < current_timestamp(6) - INTERVAL ? MICROSECOND";
  }

  @Override
  public String insertInto(final String table) {
    return "INSERT INTO " + table;
  }

  @Override
  public String onKeyConflict(final List<String> key) {
    return "ON DUPLICATE KEY UPDATE";
  }

  @Override
  public String incoming(final String column) {
    return "VALUES(" + column + ")";
  }

  @Override
  public String existing(final String column) {
    return column;
  }

  @Override
  public void selectIn(final Connection c, final String select, final String column, final String first,
      final List<String> values, final RowReader read) throws SQLException {
    for (int from = 0; from < values.size(); from += IN_LIST) {
      final List<String> chunk = values.subList(from, Math.min(values.size(), from + IN_LIST));
      try (PreparedStatement ps = c.prepareStatement(select + " " + column + " IN ("
          + chunk.stream().map(v -> "?").collect(Collectors.joining(", ")) + ")")) {
        ps.setString(1, first);
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 2, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            read.read(rs);
          }
        }
      }
    }
  }

  @Override
  public String defaultNamespace(final Connection c) throws SQLException {
    return c.getCatalog();
  }

  @Override
  public ResultSet columns(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getColumns(namespace, null, table, null);
  }

  @Override
  public ResultSet importedKeys(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getImportedKeys(namespace, null, table);
  }

  @Override
  public ResultSet exportedKeys(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getExportedKeys(namespace, null, table);
  }

  @Override
  public String referencingNamespace(final ResultSet exportedKey) throws SQLException {
    return exportedKey.getString("FKTABLE_CAT");
  }

  @Override
  public String referencedNamespace(final ResultSet importedKey) throws SQLException {
    return importedKey.getString("PKTABLE_CAT");
  }

  @Override
  public void bindOther(final PreparedStatement ps, final int index, final String text) throws SQLException {
    ps.setString(index, text);
  }
}
