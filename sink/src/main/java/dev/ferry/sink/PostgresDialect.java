package dev.ferry.sink;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * PostgreSQL: one {@code INSERT .. ON CONFLICT (key) DO UPDATE .. WHERE t.version <
 * EXCLUDED.version} per row, batched; the {@code ON CONFLICT} target names the key ({@link TargetTable#key}: the
 * primary key, or the unique index that stands for it), so a clash on
 * another unique key is an error, never an update of another row. Large batches go through
 * {@link CopyMerge}.
 */
final class PostgresDialect implements TargetDialect {

  @Override
  public String quote(final String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * Sessions run in UTC: Ferry's timestamps without zone are UTC (the mapping normalised them), and a
   * {@code timestamptz} column reads such a value in the session's zone, which pgjdbc would otherwise take
   * from the JVM's default. Its writes pass a cutover's write fence ({@link
   * dev.ferry.schemas.PostgresSessions#FENCE_PASS}): after a cutover this sink writes the side fenced against its
   * application.
   */
  @Override
  public void onConnect(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
      s.execute("SET " + dev.ferry.schemas.PostgresSessions.FENCE_PASS + " = 'sink'");
    }
    liftTimeLimits(c);
  }

  /**
   * Opens it again with a newer limit in its startup options where the server ended the session for that limit before
   * the lift came (an administrator's limit of milliseconds on a loaded machine: FirstStartIT's reconcile met it).
   */
  @Override
  public Connection open(final String url, final Properties properties) throws SQLException {
    return dev.ferry.schemas.PostgresSessions.connect(url, properties);
  }

  /** The limits newer servers add; the older ones are lifted by the connection's startup options. */
  @Override
  public void liftTimeLimits(final Connection c) throws SQLException {
    dev.ferry.schemas.PostgresSessions.liftNewer(c);
  }

  /** A transactional logical decoding message: decoded with the transaction, in its commit (ChangePublisher). */
  @Override
  public void markOwnWrites(final Connection c, final String who) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
      ps.setString(1, dev.ferry.schemas.EchoMark.PREFIX);
      ps.setString(2, who);
      ps.execute();
    }
  }

  @Override
  public Properties connectionProperties(final String who) {
    // without the role's time limits (PostgresSessions says why)
    final Properties p = dev.ferry.schemas.PostgresSessions.properties(who);
    p.put("reWriteBatchedInserts", "true");
    return p;
  }

  @Override
  public List<WriteStatement> upsert(final TargetTable table, final List<String> columns,
      final String versionColumn) {
    final List<String> params = new ArrayList<>(columns);
    if (versionColumn != null) {
      params.add(versionColumn);
    }
    final String names = quotedList(params);
    final String marks = params.stream().map(c -> "?").collect(Collectors.joining(", "));
    return List.of(new WriteStatement("INSERT INTO " + table.sqlName(this) + " AS t (" + names + ") VALUES ("
        + marks + ")" + (versionColumn == null ? update(table, columns) : guardedUpdate(table, columns, versionColumn)),
        params));
  }

  /** {@code ON CONFLICT (key) DO UPDATE SET ..} without a version: the caller checked the versions (RowVersions). */
  private String update(final TargetTable table, final List<String> columns) {
    final String updates = columns.stream().filter(c -> !table.key().contains(c))
        .map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
    return " ON CONFLICT (" + quotedList(table.key()) + ") "
        + (updates.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + updates);
  }

  /** {@code ON CONFLICT (key) DO UPDATE SET .. WHERE t.version < EXCLUDED.version}: shared with {@link CopyMerge}. */
  String guardedUpdate(final TargetTable table, final List<String> columns, final String versionColumn) {
    final String updates = columns.stream().filter(c -> !table.key().contains(c))
        .map(c -> quote(c) + " = EXCLUDED." + quote(c)).collect(Collectors.joining(", "));
    final String version = quote(versionColumn);
    return " ON CONFLICT (" + quotedList(table.key())
        + ") DO UPDATE SET " + (updates.isEmpty() ? "" : updates + ", ") + version + " = EXCLUDED." + version
        + " WHERE t." + version + " < EXCLUDED." + version;
  }

  @Override
  public String keyText(final int maxLength) {
    return "text COLLATE \"C\"";
  }

  @Override
  public String longText() {
    return "text";
  }

  @Override
  public String bytes() {
    return "bytea";
  }

  @Override
  public String serialKey(final String name) {
    return name + " bigserial PRIMARY KEY";
  }

  @Override
  public String timestampNow() {
    return "timestamptz NOT NULL DEFAULT now()";
  }

  @Override
  public String now() {
    return "now()";
  }

  @Override
  public String olderThanMicros(final String column) {
    return column + " < now() - ? * interval '1 microsecond'";
  }

  @Override
  public String insertInto(final String table) {
    return "INSERT INTO " + table + " AS t";
  }

  @Override
  public String onKeyConflict(final List<String> key) {
    return "ON CONFLICT (" + String.join(", ", key) + ") DO UPDATE SET";
  }

  @Override
  public String incoming(final String column) {
    return "EXCLUDED." + column;
  }

  @Override
  public String existing(final String column) {
    return "t." + column;
  }

  @Override
  public void selectIn(final Connection c, final String select, final String column, final String first,
      final List<String> values, final RowReader read) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select + " " + column + " = ANY (?)")) {
      ps.setString(1, first);
      ps.setArray(2, c.createArrayOf("text", values.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          read.read(rs);
        }
      }
    }
  }

  @Override
  public String defaultNamespace(final Connection c) throws SQLException {
    return c.getSchema();
  }

  @Override
  public ResultSet columns(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getColumns(null, namespace, table, null);
  }


  @Override
  public ResultSet importedKeys(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getImportedKeys(null, namespace, table);
  }

  @Override
  public ResultSet exportedKeys(final DatabaseMetaData meta, final String namespace, final String table)
      throws SQLException {
    return meta.getExportedKeys(null, namespace, table);
  }

  @Override
  public String referencingNamespace(final ResultSet exportedKey) throws SQLException {
    return exportedKey.getString("FKTABLE_SCHEM");
  }

  @Override
  public String referencedNamespace(final ResultSet importedKey) throws SQLException {
    return importedKey.getString("PKTABLE_SCHEM");
  }

  @Override
  public void bindUuid(final PreparedStatement ps, final int index, final java.util.UUID uuid) throws SQLException {
    ps.setObject(index, uuid);
  }

  /**
   * Untyped, as {@link #bindOther}: the driver reports some columns by a JDBC type PostgreSQL does not cast to the
   * column's (a {@code money} column as double precision), and a NULL typed so was refused as a datatype mismatch.
   */
  @Override
  public void bindNull(final PreparedStatement ps, final int index, final int sqlType) throws SQLException {
    ps.setNull(index, Types.OTHER);
  }

  @Override
  public void checkConstraintsNow(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET CONSTRAINTS ALL IMMEDIATE");
    }
  }

  @Override
  public void bindOther(final PreparedStatement ps, final int index, final String text) throws SQLException {
    // untyped: PostgreSQL casts it to the column's type (json, enum, interval, ...)
    ps.setObject(index, text, Types.OTHER);
  }
}
