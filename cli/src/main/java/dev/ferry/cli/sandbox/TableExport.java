package dev.ferry.cli.sandbox;

import dev.ferry.connector.LegacyRows;
import dev.ferry.schemas.TableKey;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes a target table as CSV (RFC 4180): a header row, then one row a record, ordered by primary
 * key, without Ferry's version column. NULL is an empty cell; text with a comma, quote or line break is
 * quoted.
 */
final class TableExport {
  private TableExport() {
  }

  /**
   * Writes {@code table} ({@code table} or {@code schema.table}, named as the mapping names it: {@code Items} is not
   * {@code items}) to {@code file}; returns the number of rows.
   */
  static long write(final Connection c, final String table, final String versionColumn, final Path file)
      throws SQLException, IOException {
    final int dot = table.indexOf('.');
    final String schema = dot < 0 ? c.getSchema() : table.substring(0, dot);
    final String name = dot < 0 ? table : table.substring(dot + 1);
    final List<String> key = TableKey.read(c, schema, name).columns();
    final String order = key.isEmpty() ? "" : " ORDER BY " + key.stream().map(LegacyRows::quote)
        .collect(Collectors.joining(", "));
    long rows = 0;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + LegacyRows.quote(schema) + "." + LegacyRows.quote(name)
            + order);
        Writer out = Files.newBufferedWriter(file)) {
      final ResultSetMetaData meta = rs.getMetaData();
      final List<Integer> columns = new ArrayList<>();
      final List<String> header = new ArrayList<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        if (!meta.getColumnName(i).equals(versionColumn)) {
          columns.add(i);
          header.add(cell(meta.getColumnName(i)));
        }
      }
      out.write(String.join(",", header));
      out.write("\r\n");
      while (rs.next()) {
        final List<String> cells = new ArrayList<>(columns.size());
        for (final int i : columns) {
          cells.add(cell(rs.getString(i)));
        }
        out.write(String.join(",", cells));
        out.write("\r\n");
        rows++;
      }
    }
    return rows;
  }

  private static String cell(final String v) {
    if (v == null) {
      return "";
    }
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}
