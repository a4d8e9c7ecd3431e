package dev.ferry.cli;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The append-only tests' tables: a legacy {@code history} shaped like pgbench's {@code pgbench_history} (no key, equal
 * rows allowed; each test creates and fills its own), the new system's {@code account_history} keyed by the position,
 * the mapping between them, and both read as sorted lists of rows, so that equal rows count.
 */
final class HistoryTable {
  /** The legacy table, without rows. */
  static final String LEGACY = """
      CREATE TABLE history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
      ALTER TABLE history REPLICA IDENTITY FULL;
      """;
  static final String TARGET = """
      CREATE TABLE account_history (position text PRIMARY KEY, teller int, branch int, account int, delta int,
        at timestamp, ferry_version bigint NOT NULL);
      """;
  private static final String ROWS = "SELECT %s::text || '|' || %s || '|' || %s || '|' || %s || '|' || "
      + "to_char(%s, 'YYYY-MM-DD HH24:MI:SS') FROM %s ORDER BY 1";

  private HistoryTable() {
  }

  /**
   * The configuration of a pipeline named {@code name} (its databases {@code name_legacy} and {@code name_target})
   * that captures {@code history} as append-only, its mapping written under {@code work}.
   */
  static ConfigSource config(final EmbeddedStack stack, final String name, final Path work) throws IOException {
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.history
            target: account_history
            fields: {position: ferry_position, teller: tid, branch: bid, account: aid, delta: delta, at: mtime}
        """);
    return DemoEnvironment.configSource(stack, name, name + "_legacy", name + "_target", "public.history", "",
        mapping, work).with("legacy.append-only", "public.history", "test");
  }

  /** The legacy rows as {@code tid|bid|aid|delta|mtime}, sorted, equal rows each. */
  static List<String> legacyRows(final Connection c) throws SQLException {
    return rows(c, String.format(ROWS, "tid", "bid", "aid", "delta", "mtime", "history"));
  }

  /** The target rows in the legacy rows' form ({@link #legacyRows}). */
  static List<String> targetRows(final Connection c) throws SQLException {
    return rows(c, String.format(ROWS, "teller", "branch", "account", "delta", "at", "account_history"));
  }

  /** The first column of every row {@code sql} selects, in its order. */
  static List<String> rows(final Connection c, final String sql) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
