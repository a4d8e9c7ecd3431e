package dev.ferry.sink;

import java.util.stream.Collectors;

/** {@code DELETE .. WHERE key = ? AND version < ?}: a delete removes only a row older than itself. */
final class DeleteStatement {
  private DeleteStatement() {
  }

  /** Parameters: the key columns in primary key order, then the delete's version. */
  static String sql(final TargetTable table, final String versionColumn) {
    final String where = table.primaryKey().stream().map(c -> Sql.quote(c) + " = ?")
        .collect(Collectors.joining(" AND "));
    return "DELETE FROM " + table.sqlName() + " WHERE " + where + " AND " + Sql.quote(versionColumn) + " < ?";
  }
}
