package dev.ferry.schemas;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The columns that tell a table's rows apart, as Ferry keys a table it writes (and reconcile matches its rows): its
 * primary key; without one, on PostgreSQL, the unique index it names as its replica identity ({@code REPLICA IDENTITY
 * USING INDEX}, which is how a legacy table without a primary key is captured, so the reverse direction writes it back
 * by the same columns); else its only unique index whose columns are all NOT NULL, neither partial, on expressions
 * nor (MariaDB) on a prefix of a column.
 *
 * <p>Why those conditions: the sink upserts by the key ({@code ON CONFLICT (key)}, {@code ON DUPLICATE KEY}), and a
 * unique index lets any number of rows hold NULL in its columns, so a row with a NULL there would be inserted again
 * on every change instead of updated. Two such indexes leave the choice to the user: either would do for the
 * database, but the mapping must compute the key from the legacy key, and which one the user means is theirs to say.
 *
 * @param columns the key's columns in index order; empty when the table has none Ferry can use
 * @param primary whether the key is the table's primary key
 * @param otherUniqueIndexes whether a unique index on other columns holds too (partial and on expressions count: they
 *     can clash too), so that an insert can clash with another row than its own
 * @param describe what the key is ("primary key", "replica identity index audit_log_entry", ...), or, when
 *     {@code columns} is empty, why there is none and what would give one
 */
public record TableKey(List<String> columns, boolean primary, boolean otherUniqueIndexes, String describe) {

  public TableKey {
    columns = List.copyOf(columns);
  }

  /** Whether the table has no key Ferry can use ({@link #describe()} says why). */
  public boolean isEmpty() {
    return columns.isEmpty();
  }

  /**
   * The key of table {@code table} in schema {@code schema} (null: the connection's current schema; on MariaDB the
   * database) of the database {@code c} is connected to, PostgreSQL or MariaDB.
   */
  public static TableKey read(final Connection c, final String schema, final String table) throws SQLException {
    final String url = c.getMetaData().getURL();
    final boolean mariaDb = url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:");
    final List<Index> indexes = mariaDb ? mariaDbIndexes(c, schema, table) : postgresIndexes(c, schema, table);
    final TableKey identity = identity(indexes);
    if (!identity.isEmpty()) {
      return identity;
    }
    final List<Index> usable = indexes.stream().filter(Index::usable).toList();
    if (usable.size() == 1) {
      return keyedBy(usable.get(0), indexes, "unique index " + usable.get(0).name()
          + " (no primary key; its only unique index on NOT NULL columns)");
    }
    if (usable.isEmpty()) {
      return none("no primary key, and no unique index on NOT NULL columns (neither partial nor "
          + "on expressions) to key its rows by: give it a primary key");
    }
    return none("no primary key, and " + usable.size() + " unique indexes on NOT NULL columns ("
        + String.join(", ", usable.stream().map(ix -> ix.name() + " " + ix.columns()).toList()) + "): give it a "
        + "primary key" + (mariaDb ? "" : ", or name the one that keys its rows as its replica identity (ALTER TABLE "
        + table + " REPLICA IDENTITY USING INDEX <index>)"));
  }

  /**
   * The key a captured PostgreSQL table's changes carry, which the capture, the direct load and the mapping check key
   * its rows by: its primary key, else the unique index it names as its replica identity (PostgreSQL sends that
   * index's columns with every update and delete); empty when neither. Never the only unique index of {@link #read}:
   * without being the replica identity, its columns are not in a delete.
   */
  public static TableKey captured(final Connection c, final String schema, final String table) throws SQLException {
    return identity(postgresIndexes(c, schema, table));
  }

  private static TableKey identity(final List<Index> indexes) {
    for (final Index ix : indexes) {
      if (ix.primary()) {
        return keyedBy(ix, indexes, "primary key");
      }
    }
    for (final Index ix : indexes) {
      if (ix.replicaIdentity()) {
        return keyedBy(ix, indexes, "replica identity index " + ix.name());
      }
    }
    return none("no primary key and no replica identity index");
  }

  private static TableKey keyedBy(final Index key, final List<Index> indexes, final String describe) {
    final Set<String> columns = new HashSet<>(key.columns());
    return new TableKey(key.columns(), key.primary(),
        indexes.stream().anyMatch(ix -> !new HashSet<>(ix.columns()).equals(columns)), describe);
  }

  private static TableKey none(final String why) {
    return new TableKey(List.of(), false, false, why);
  }

  /** One unique index: whether it is the primary key or the replica identity, and whether it can key rows. */
  private record Index(String name, List<String> columns, boolean primary, boolean replicaIdentity, boolean usable) {
  }

  /**
   * The table's unique indexes, each column a row of (index, is primary, is the replica identity, whether the index
   * could key rows as far as it goes, column or NULL for an expression, column NOT NULL), in index then column order.
   */
  private static List<Index> postgresIndexes(final Connection c, final String schema, final String table)
      throws SQLException {
    // a column number 0 is an expression; indpred a partial index's predicate
    return indexes(c, "SELECT ic.relname, i.indisprimary, i.indisreplident AND t.relreplident = 'i', "
        + "i.indpred IS NULL AND NOT 0 = ANY(i.indkey::int2[]) AND i.indisvalid, a.attname, a.attnotnull "
        + "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        + "JOIN pg_class ic ON ic.oid = i.indexrelid "
        + "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, pos) "
        + "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        + "WHERE i.indisunique AND n.nspname::text = coalesce(?::text, current_schema()::text) AND t.relname = ? "
        + "ORDER BY ic.relname, k.pos", schema, table);
  }

  private static List<Index> mariaDbIndexes(final Connection c, final String schema, final String table)
      throws SQLException {
    // SUB_PART: an index on a prefix of the column, unique only in that prefix
    return indexes(c, "SELECT s.INDEX_NAME, s.INDEX_NAME = 'PRIMARY', false, s.SUB_PART IS NULL, s.COLUMN_NAME, "
        + "col.IS_NULLABLE = 'NO' FROM information_schema.STATISTICS s LEFT JOIN information_schema.COLUMNS col "
        + "ON col.TABLE_SCHEMA = s.TABLE_SCHEMA AND col.TABLE_NAME = s.TABLE_NAME AND col.COLUMN_NAME = s.COLUMN_NAME "
        + "WHERE s.NON_UNIQUE = 0 AND s.TABLE_SCHEMA = coalesce(?, DATABASE()) AND s.TABLE_NAME = ? "
        + "ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX", schema, table);
  }

  private static List<Index> indexes(final Connection c, final String sql, final String schema, final String table)
      throws SQLException {
    final Map<String, Building> byName = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          final Building b = byName.computeIfAbsent(rs.getString(1), n -> new Building());
          b.primary = rs.getBoolean(2);
          b.replicaIdentity = rs.getBoolean(3);
          b.usable &= rs.getBoolean(4) && rs.getString(5) != null && rs.getBoolean(6);
          b.columns.add(rs.getString(5));
        }
      }
    }
    final List<Index> out = new ArrayList<>();
    byName.forEach((name, b) -> out.add(new Index(name, b.columns, b.primary, b.replicaIdentity && b.usable,
        b.usable)));
    return out;
  }

  private static final class Building {
    final List<String> columns = new ArrayList<>();
    boolean primary;
    boolean replicaIdentity;
    boolean usable = true;
  }
}
