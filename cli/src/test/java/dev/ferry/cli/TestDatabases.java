package dev.ferry.cli;

import dev.ferry.embedded.EmbeddedStack;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A test's own pair of databases on the shared stack: {@code <name>_legacy} and {@code <name>_target}. */
final class TestDatabases {
  private TestDatabases() {
  }

  /** Creates both databases and runs {@code legacySql} and {@code targetSql} (several statements each) in them. */
  static void create(final EmbeddedStack stack, final String name, final String legacySql, final String targetSql)
      throws SQLException {
    stack.legacy().createDatabase(name + "_legacy");
    stack.target().createDatabase(name + "_target");
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      s.execute(legacySql);
    }
    try (Connection target = stack.target().connect(name + "_target"); Statement s = target.createStatement()) {
      s.execute(targetSql);
    }
  }

  /** Runs {@code sql} (one statement) on {@code c}. */
  static void exec(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The number {@code sql} (a query of one number) gives on {@code c}. */
  static long count(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
