package dev.ferry.cli;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /**
   * Creates database {@code name} on {@code legacy} (a test's own server, one it stops and starts) and {@code
   * <name>_target} on the stack, runs {@code legacySql} and {@code targetSql} in them, and returns the configuration of
   * a pipeline between them for {@code public.orders} and {@code public.order_lines} (lines under their order) with
   * {@code mapping}.
   */
  static ConfigSource ordersOnOwnServer(final EmbeddedStack stack, final EmbeddedDatabase legacy, final String name,
      final String legacySql, final String targetSql, final String mapping, final Path work)
      throws SQLException, IOException {
    legacy.createDatabase(name);
    stack.target().createDatabase(name + "_target");
    try (Connection c = legacy.connect(name); Statement s = c.createStatement()) {
      s.execute(legacySql);
    }
    try (Connection c = stack.target().connect(name + "_target"); Statement s = c.createStatement()) {
      s.execute(targetSql);
    }
    final Path file = work.resolve("mapping.yaml");
    Files.writeString(file, mapping);
    return DemoEnvironment.configSource(stack, name, name, name + "_target", "public.orders,public.order_lines",
            "public.order_lines(order_id) -> public.orders(order_id)", file, work)
        .with("legacy.host", legacy.host(), "test")
        .with("legacy.port", String.valueOf(legacy.port()), "test");
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

  /** The text {@code sql} (a query of one value) gives on {@code c}. */
  static String text(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * Creates {@code role} (a superuser, as a capture's user needs replication) with the time limits an administrator
   * sets for an application's role, on {@code database} only: statements 1 ms, idle in a transaction 20 ms, idle
   * sessions and transactions 50 ms (PostgreSQL 14 and 17). Ferry's sessions must start without them.
   */
  static void limitRole(final EmbeddedDatabase server, final String database, final String role) throws SQLException {
    try (Connection c = server.connect(database)) {
      exec(c, "DO $$ BEGIN CREATE ROLE " + role + " LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; "
          + "END $$");
      exec(c, "ALTER ROLE " + role + " IN DATABASE " + database + " SET statement_timeout = '1ms'");
      exec(c, "ALTER ROLE " + role + " IN DATABASE " + database + " SET idle_in_transaction_session_timeout = '20ms'");
      exec(c, "ALTER ROLE " + role + " IN DATABASE " + database + " SET idle_session_timeout = '50ms'");
      exec(c, "ALTER ROLE " + role + " IN DATABASE " + database + " SET transaction_timeout = '50ms'");
    }
  }
}
