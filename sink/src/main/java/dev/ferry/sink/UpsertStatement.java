package dev.ferry.sink;

import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code INSERT .. ON CONFLICT (key) DO UPDATE .. WHERE current version < new version} for one target
 * table and one set of columns: the row is written only if it is newer than what the target holds,
 * so replays and redeliveries change nothing.
 */
final class UpsertStatement {
  private UpsertStatement() {
  }

  /**
   * @param columns the columns written, key columns included, in parameter order; the version column
   *     is the last parameter
   */
  static String sql(final TargetTable table, final List<String> columns, final String versionColumn) {
    final String names = columns.stream().map(Sql::quote).collect(Collectors.joining(", "));
    final String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    final String key = table.primaryKey().stream().map(Sql::quote).collect(Collectors.joining(", "));
    final String updates = columns.stream()
        .filter(c -> !table.primaryKey().contains(c))
        .map(c -> Sql.quote(c) + " = EXCLUDED." + Sql.quote(c))
        .collect(Collectors.joining(", "));
    final String version = Sql.quote(versionColumn);
    return "INSERT INTO " + table.sqlName() + " AS t (" + names + ", " + version + ") VALUES (" + params + ", ?)"
        + " ON CONFLICT (" + key + ") DO UPDATE SET " + (updates.isEmpty() ? "" : updates + ", ")
        + version + " = EXCLUDED." + version
        + " WHERE t." + version + " < EXCLUDED." + version;
  }
}
