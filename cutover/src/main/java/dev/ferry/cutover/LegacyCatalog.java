package dev.ferry.cutover;

import dev.ferry.schemas.TableKey;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The legacy tables' columns as the legacy database describes them: what the reverse direction writes into. The
 * reverse draft needs them to name the columns the forward mapping never read, to see which of those a row inserted
 * from the new system could not leave out, and to give a reverse field the legacy column's type.
 *
 * @param tables {@code schema.table} to its columns, in table order
 */
public record LegacyCatalog(Map<String, List<Column>> tables) {

  /** A catalog that knows no table: the draft then works from the mapping alone. */
  public static final LegacyCatalog NONE = new LegacyCatalog(Map.of());

  /**
   * One legacy column.
   *
   * @param name column name
   * @param jdbcType its {@link java.sql.Types} code
   * @param scale digits after the point (numeric columns), else 0
   * @param required NOT NULL without a default: an insert must give it a value
   * @param key part of the key its rows are written back by ({@link TableKey}: the primary key, or the replica
   *     identity index of a table without one)
   */
  public record Column(String name, int jdbcType, int scale, boolean required, boolean key) {
  }

  public LegacyCatalog {
    tables = Map.copyOf(tables);
  }

  /** The columns of {@code qualifiedTable}; empty when unknown. */
  public List<Column> columns(final String qualifiedTable) {
    return tables.getOrDefault(qualifiedTable, List.of());
  }

  /** Reads {@code qualifiedTables} ({@code schema.table}) from the database {@code c} is connected to. */
  public static LegacyCatalog read(final Connection c, final List<String> qualifiedTables) throws SQLException {
    final DatabaseMetaData meta = c.getMetaData();
    final Map<String, List<Column>> out = new LinkedHashMap<>();
    for (final String qualified : qualifiedTables) {
      final int dot = qualified.indexOf('.');
      final String schema = dot < 0 ? null : qualified.substring(0, dot);
      final String table = qualified.substring(dot + 1);
      // the columns the reverse sink upserts by: without a primary key, the replica identity index the capture
      // keys the table by
      final Set<String> key = new HashSet<>(TableKey.read(c, schema, table).columns());
      final List<Column> columns = new ArrayList<>();
      try (ResultSet rs = meta.getColumns(null, schema, table, null)) {
        while (rs.next()) {
          final String name = rs.getString("COLUMN_NAME");
          final boolean notNull = rs.getInt("NULLABLE") == DatabaseMetaData.columnNoNulls;
          final boolean defaulted = rs.getString("COLUMN_DEF") != null
              || "YES".equalsIgnoreCase(rs.getString("IS_AUTOINCREMENT"))
              || "YES".equalsIgnoreCase(rs.getString("IS_GENERATEDCOLUMN"));
          columns.add(new Column(name, rs.getInt("DATA_TYPE"), rs.getInt("DECIMAL_DIGITS"), notNull && !defaulted,
              key.contains(name)));
        }
      }
      out.put(qualified, columns);
    }
    return new LegacyCatalog(out);
  }
}
