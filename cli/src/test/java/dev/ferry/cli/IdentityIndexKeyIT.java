package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legacy table without a primary key whose rows a unique index identifies, named as its replica identity ({@code
 * REPLICA IDENTITY USING INDEX}), as legacy log tables often are: the mapping check takes it, the initial load and
 * the capture key its rows by the index's columns, and inserts, updates (one of the key too) and deletes reach the
 * target. Until session 39 such a table was refused ("has no primary key").
 */
class IdentityIndexKeyIT {
  private static final String LEGACY = """
      CREATE TABLE audit_log (source text NOT NULL, entry_no bigint NOT NULL, at timestamptz NOT NULL, msg text);
      CREATE UNIQUE INDEX audit_log_entry ON audit_log (source, entry_no);
      ALTER TABLE audit_log REPLICA IDENTITY USING INDEX audit_log_entry;
      INSERT INTO audit_log SELECT CASE WHEN g % 2 = 0 THEN 'web' ELSE 'batch' END, g, '2026-12-01 10:00+00',
        'entry ' || g FROM generate_series(1, 40) g;
      """;
  private static final String TARGET = """
      CREATE TABLE audit_entry (source text, entry_no bigint, at timestamptz NOT NULL, msg text,
        ferry_version bigint NOT NULL, PRIMARY KEY (source, entry_no));
      """;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aTableKeyedByItsReplicaIdentityIndexSyncs() throws Exception {
    final String name = "it_identity_index";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.audit_log
            target: audit_entry
            fields: {source: source, entry_no: entry_no, at: at, msg: msg}
        """);
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.audit_log", "", mapping, work), EnumSet.allOf(Role.class), work);
    config.checkAgainstDatabases();
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, "audit_entry"))
          .as("the initial load").hasSize(40).isEqualTo(rows(legacy, "audit_log")));
      try (Statement s = legacy.createStatement()) {
        s.execute("INSERT INTO audit_log VALUES ('web', 41, now(), 'new')");
        s.execute("UPDATE audit_log SET msg = 'changed' WHERE source = 'batch' AND entry_no = 1");
        s.execute("UPDATE audit_log SET entry_no = 1002 WHERE source = 'web' AND entry_no = 2");
        s.execute("DELETE FROM audit_log WHERE source = 'batch' AND entry_no = 3");
      }
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, "audit_entry"))
          .as("streamed").isEqualTo(rows(legacy, "audit_log")));
      assertThat(rows(target, "audit_entry")).contains("batch|1|changed", "web|1002|entry 2", "web|41|new")
          .doesNotContain("batch|3|entry 3", "web|2|entry 2");
      assertThat(DeadLetterReader.all(stack, config)).isEmpty();
    }
  }

  private static List<String> rows(final Connection c, final String table) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT source || '|' || entry_no || '|' "
        + "|| coalesce(msg, '') FROM " + table + " ORDER BY source, entry_no")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
