package dev.ferry.cli;

import dev.ferry.embedded.EmbeddedStack;
import java.sql.Connection;
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
}
