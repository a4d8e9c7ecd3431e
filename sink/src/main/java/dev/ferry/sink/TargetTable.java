package dev.ferry.sink;

import dev.ferry.schemas.TableKey;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target table as the database describes it: its columns with their JDBC types, and the key its rows are upserted
 * by ({@link TableKey}: the primary key; without one, the replica identity index or the only unique index on NOT NULL
 * columns). The sink learns the target from the database itself, so the mapping never has to repeat it.
 *
 * @param schema schema name (the database, on MariaDB), or null for the search path's
 * @param name table name
 * @param columnTypes column name to {@link java.sql.Types} code, in table order
 * @param key the columns that tell rows apart ({@link TableKey}), in key order; never empty
 * @param generated columns the database computes from others ({@code GENERATED ALWAYS AS (..)}), which take no value
 * @param required columns a new row must be given: NOT NULL, without a default, neither generated nor an identity
 * @param typeNames column name to the database's name of its type ({@code hstore}, {@code jsonb}, ...)
 * @param scales decimal column name to its declared scale (digits after the point), for those declared with one;
 *     a value with more would be rounded as it is stored ({@link RoundedDecimal})
 * @param otherUniqueKeys whether a unique index on other columns than the key's holds ({@link
 *     TableKey#otherUniqueIndexes}): a row's insert can then clash with another row than its own, so an upsert may not
 *     be an insert that turns into an update on any clash (MariaDB's {@code ON DUPLICATE KEY UPDATE}, {@link
 *     MariaDbDialect#upsert})
 */
public record TargetTable(String schema, String name, Map<String, Integer> columnTypes, List<String> key,
    Set<String> generated, Set<String> required, Map<String, String> typeNames, Map<String, Integer> scales,
    boolean otherUniqueKeys) {
  private static final Logger LOG = LoggerFactory.getLogger(TargetTable.class);
  /** The tables {@link #read} told the log about, once each per process (every writer reads its tables). */
  private static final Set<String> TOLD = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A table as tests write it: without generated or required columns, declared scales or other unique keys. */
  TargetTable(final String schema, final String name, final Map<String, Integer> columnTypes,
      final List<String> key) {
    this(schema, name, columnTypes, key, Set.of(), Set.of(), Map.of(), Map.of(), false);
  }

  /**
   * Reads table {@code qualifiedName} ({@code table} or {@code schema.table}) of the database {@code c}
   * is connected to, in that database's dialect.
   *
   * @throws SQLException when the table does not exist (SQLSTATE 42P01) or has no key (42P10: {@link TableKey}
   *     says why)
   */
  public static TargetTable read(final Connection c, final String qualifiedName) throws SQLException {
    return read(c, qualifiedName, TargetDialect.of(c.getMetaData().getURL()));
  }

  static TargetTable read(final Connection c, final String qualifiedName, final TargetDialect dialect)
      throws SQLException {
    final int dot = qualifiedName.indexOf('.');
    final String schema = dot < 0 ? dialect.defaultNamespace(c) : qualifiedName.substring(0, dot);
    final String name = dot < 0 ? qualifiedName : qualifiedName.substring(dot + 1);
    final DatabaseMetaData meta = c.getMetaData();
    final Map<String, Integer> types = new LinkedHashMap<>();
    final Set<String> generated = new HashSet<>();
    final Set<String> required = new HashSet<>();
    final Map<String, String> typeNames = new HashMap<>();
    final Map<String, Integer> scales = new HashMap<>();
    try (ResultSet rs = dialect.columns(meta, schema, name)) {
      while (rs.next()) {
        final String column = rs.getString("COLUMN_NAME");
        final int type = rs.getInt("DATA_TYPE");
        types.put(column, type);
        typeNames.put(column, rs.getString("TYPE_NAME"));
        // both drivers report a decimal's declared scale here; PostgreSQL's numeric without one reports none
        final Object scale = rs.getObject("DECIMAL_DIGITS");
        if ((type == Types.NUMERIC || type == Types.DECIMAL) && scale instanceof Number n) {
          scales.put(column, n.intValue());
        }
        if ("YES".equals(rs.getString("IS_GENERATEDCOLUMN"))) {
          generated.add(column);
        } else if ("NO".equals(rs.getString("IS_NULLABLE")) && rs.getString("COLUMN_DEF") == null
            && !"YES".equals(rs.getString("IS_AUTOINCREMENT"))) {
          required.add(column);
        }
      }
    }
    if (types.isEmpty()) {
      throw new SQLException("target table " + qualifiedName + " does not exist (schema " + schema + ")", "42P01");
    }
    final TableKey tableKey = TableKey.read(c, schema, name);
    if (tableKey.isEmpty()) {
      throw new SQLException("target table " + qualifiedName + " has " + tableKey.describe() + " (Ferry upserts its "
          + "rows by their key)", "42P10");
    }
    final List<String> key = tableKey.columns();
    if (!tableKey.primary() && TOLD.add(schema + "." + name + " " + tableKey.describe())) {
      LOG.info("target table {}.{} has no primary key: its rows are keyed by its {}", schema, name,
          tableKey.describe());
    }
    return new TargetTable(schema, name, types, key, generated, required, typeNames, scales,
        tableKey.otherUniqueIndexes());
  }

  /** The quoted, schema-qualified name for SQL in {@code dialect}. */
  String sqlName(final TargetDialect dialect) {
    return (schema == null ? "" : dialect.quote(schema) + ".") + dialect.quote(name);
  }
}
