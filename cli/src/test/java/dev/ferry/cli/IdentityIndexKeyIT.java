package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.LiveDirection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 * target. Until session 39 such a table was refused ("has no primary key"). The new system's table is keyed the same
 * way, and the reverse direction (after cutover) writes the new system's changes back into the legacy table by its
 * identity index: until session 41 the reverse sink refused it, upserting by primary key only.
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
      CREATE TABLE audit_entry (source text NOT NULL, entry_no bigint NOT NULL, at timestamptz NOT NULL, msg text,
        ferry_version bigint NOT NULL);
      CREATE UNIQUE INDEX audit_entry_key ON audit_entry (source, entry_no);
      ALTER TABLE audit_entry REPLICA IDENTITY USING INDEX audit_entry_key;
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
        name + "_target", "public.audit_log", "", mapping, work).with("sink.mark-writes", "true", "test"),
        EnumSet.allOf(Role.class), work);
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

      // sign-off: reconcile matches the rows by the target's identity index (it skipped such a table before)
      final Reconciliation.Inputs inputs = new Reconciliation.Inputs(config.processor().mapping(),
          () -> config.connector().connect(), () -> config.sink().connect("ferry-reconcile"),
          config.sink().versionColumn(), Duration.ZERO);
      final Reconciliation.DeadLetterIndexSource letters = Reconciliation.DeadLetterIndexSource.topic(
          config.sink().kafka(), config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()))
              .deadLetter());
      final PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      final Reconciliation.Result clean = Reconciliation.run(inputs, letters, quiet);
      assertThat(clean.tableLines()).singleElement().asString()
          .contains("audit_entry: legacy 40, expected 40, target 40; missing 0, extra 0, different 0");
      try (Statement s = target.createStatement()) {
        s.execute("UPDATE audit_entry SET msg = 'drifted' WHERE source = 'web' AND entry_no = 6");
      }
      assertThat(Reconciliation.run(inputs, letters, quiet).unexplainedLines(10))
          .containsExactly("audit_entry web|6: different msg entry 6 -> drifted");
      try (Statement s = target.createStatement()) {
        s.execute("UPDATE audit_entry SET msg = 'entry 6' WHERE source = 'web' AND entry_no = 6");
      }

      // the reverse direction, as a cutover runs it: the new system's table captured, written back into the legacy
      // table by its identity index (the legacy schema has no version column: the reverse sink keeps versions aside)
      final Path back = Files.createDirectories(work.resolve("back"));
      final var draft = Directions.reverseMapping(config, System.out);
      assertThat(draft.review()).as("the legacy key comes back").noneMatch(r -> r.contains("legacy key"));
      Files.writeString(back.resolve("mapping.yaml"), draft.yaml());
      final FerryConfig reverse = FerryConfig.resolve(DemoEnvironment.configSource(stack, name + "_back",
          name + "_target", name + "_legacy", "public.audit_entry", "", back.resolve("mapping.yaml"), back)
          .with("legacy.host", stack.target().host(), "test")
          .with("legacy.port", String.valueOf(stack.target().port()), "test")
          .with("target.jdbc-url", stack.legacy().jdbcUrl(name + "_legacy"), "test")
          .with("connector.snapshot-mode", "no-data", "test")
          .with("connector.heartbeat-interval", "1s", "test")
          .with("cutover.direction", "reverse", "test")
          .with("sink.mark-writes", "true", "test"), EnumSet.allOf(Role.class), back);
      LiveDirection.publish(reverse.sink().kafka(), name + "_back-control", LiveDirection.Direction.REVERSE,
          "IdentityIndexKeyIT");
      assertThat(reverse.checkAgainstDatabases()).as("the legacy table is a target the reverse sink can key").isTrue();
      try (Pipeline backward = new Pipeline(reverse).start()) {
        await().atMost(Duration.ofMinutes(2)).until(() -> backward.capture().streaming());
        try (Statement s = target.createStatement()) {
          s.execute("INSERT INTO audit_entry VALUES ('new', 1, now(), 'from the new system', 0)");
          s.execute("UPDATE audit_entry SET msg = 'edited in the new system' WHERE source = 'web' AND entry_no = 4");
          s.execute("DELETE FROM audit_entry WHERE source = 'batch' AND entry_no = 5");
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(legacy, "audit_log"))
            .as("written back").contains("new|1|from the new system", "web|4|edited in the new system")
            .doesNotContain("batch|5|entry 5"));
        assertThat(rows(legacy, "audit_log")).as("every row once, as in the new system")
            .isEqualTo(rows(target, "audit_entry")).doesNotHaveDuplicates();
        assertThat(DeadLetterReader.all(stack, reverse)).isEmpty();
      }
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
