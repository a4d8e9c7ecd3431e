package dev.ferry.cli;

import static dev.ferry.cli.HistoryTable.legacyRows;
import static dev.ferry.cli.HistoryTable.rows;
import static dev.ferry.cli.HistoryTable.targetRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.audit.Audit;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigException;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legacy table with nothing that tells its rows apart, shaped like pgbench's {@code pgbench_history} (no key, equal
 * rows allowed), declared append-only ({@code legacy.append-only}): every row reaches the target once, keyed by its
 * position in the legacy database, equal rows included, through the initial load, the stream (a multi-row INSERT of
 * equal rows, a COPY of equal rows, several inserts in one transaction), a restart of the whole pipeline with rows written while it was
 * down, and a TRUNCATE; an UPDATE and a DELETE are dead-lettered, not guessed at. Until this session such a table was
 * refused ("has no primary key").
 */
class AppendOnlyTableIT {
  private static final String LEGACY = HistoryTable.LEGACY + """
      INSERT INTO history SELECT g % 3, 1, g % 7, g, '2026-12-01 10:00', NULL FROM generate_series(1, 30) g;
      INSERT INTO history SELECT 1, 1, 1, 5, '2026-12-01 10:00', NULL FROM generate_series(1, 4);
      CREATE TABLE keyless_undeclared (a int, b text);
      ALTER TABLE keyless_undeclared REPLICA IDENTITY FULL;
      """;
  private static final String TARGET = HistoryTable.TARGET + """
      CREATE TABLE undeclared (position text PRIMARY KEY, a int, b text);
      """;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void everyRowOfATableWithoutKeyArrivesOnceKeyedByItsPosition() throws Exception {
    final String name = "it_append_only";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    final FerryConfig config = FerryConfig.resolve(HistoryTable.config(stack, name, work), EnumSet.allOf(Role.class),
        work);
    final Path mapping = work.resolve("mapping.yaml");
    assertThat(config.checkAgainstDatabases()).isTrue();
    // the source audit's dry run maps every row (it refused each before: no key), the four equal ones included
    final Audit.Result audit = Audit.run(new Audit.Inputs(config.processor().mapping(), config.mappingFile(),
        config.connector().tables(), config.processor().kafka().relations(), () -> config.connector().connect(),
        () -> config.sink().connect("ferry-audit")), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    assertThat(audit.rows()).isEqualTo(34);
    assertThat(audit.refused()).as("rows the mapping would refuse").isZero();
    try (Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(targetRows(target))
            .as("the initial load, the four equal rows as four").hasSize(34).isEqualTo(legacyRows(legacy)));
        try (Statement s = legacy.createStatement()) {
          // one multi-row INSERT (one WAL record) of three equal rows, then a transaction of several inserts
          s.execute("INSERT INTO history SELECT 2, 2, 2, 7, '2026-12-02 08:00', 'x' FROM generate_series(1, 3)");
          // a COPY writes its rows in one log record (a multi-insert): four equal rows at one log position
          new org.postgresql.copy.CopyManager(legacy.unwrap(org.postgresql.core.BaseConnection.class)).copyIn(
              "COPY history FROM STDIN", new java.io.StringReader("6\t6\t6\t6\t2026-12-02 07:00\t\\N\n".repeat(4)));
          legacy.setAutoCommit(false);
          s.execute("INSERT INTO history VALUES (3, 3, 3, 9, '2026-12-02 09:00', NULL)");
          s.execute("INSERT INTO history VALUES (3, 3, 3, 9, '2026-12-02 09:00', NULL)");
          s.execute("INSERT INTO history VALUES (4, 4, 4, 1, '2026-12-02 09:00', NULL)");
          legacy.commit();
          legacy.setAutoCommit(true);
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(targetRows(target))
            .as("streamed").hasSize(44).isEqualTo(legacyRows(legacy)));
        assertThat(rows(target, "SELECT split_part(position, '.', 2) FROM account_history WHERE teller = 6 "
            + "ORDER BY 1")).as("the COPY's rows, by their order in its transaction")
            .containsExactly("0000000001", "0000000002", "0000000003", "0000000004");
        assertThat(TestDatabases.count(target, "SELECT count(DISTINCT split_part(position, '.', 1)) FROM "
            + "account_history WHERE teller = 6")).as("log records of the COPY's rows").isOne();
      }
      try (Statement s = legacy.createStatement()) {
        s.execute("INSERT INTO history SELECT 5, 5, 5, g, '2026-12-03 10:00', NULL FROM generate_series(1, 50) g");
        s.execute("INSERT INTO history VALUES (1, 1, 1, 5, '2026-12-01 10:00', NULL)");
      }
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(targetRows(target))
            .as("written while the pipeline was down, each once after its restart").hasSize(95)
            .isEqualTo(legacyRows(legacy)));
        // sign-off: reconcile counts equal rows on both sides (the legacy table has no position to match by)
        final Reconciliation.Inputs inputs = new Reconciliation.Inputs(config.processor().mapping(),
            () -> config.connector().connect(), () -> config.sink().connect("ferry-reconcile"),
            config.sink().versionColumn(), Duration.ZERO);
        final Reconciliation.DeadLetterIndexSource index = Reconciliation.DeadLetterIndexSource.topic(
            config.sink().kafka(), config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()))
                .deadLetter());
        final PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(Reconciliation.run(inputs, index, quiet).tableLines()).singleElement().asString()
            .contains("account_history: legacy 95, expected 95, target 95; missing 0, extra 0, different 0");
        try (Statement s = target.createStatement()) {
          // one of the five equal rows gone from the target, and a row the legacy table never had
          s.execute("DELETE FROM account_history WHERE position = (SELECT max(position) FROM account_history "
              + "WHERE teller = 1 AND branch = 1 AND account = 1 AND delta = 5)");
          s.execute("INSERT INTO account_history VALUES ('by hand', 8, 8, 8, 8, '2026-12-05 10:00', 0)");
        }
        final List<String> drift = Reconciliation.run(inputs, index, quiet).unexplainedLines(10);
        assertThat(drift).hasSize(2);
        assertThat(drift).anySatisfy(l -> assertThat(l).startsWith("account_history 1|1|1|5|").contains("missing"));
        assertThat(drift).anySatisfy(l -> assertThat(l).startsWith("account_history 8|8|8|8|").contains("extra")
            .contains("by hand"));
        try (Statement s = target.createStatement()) {
          s.execute("DELETE FROM account_history WHERE position = 'by hand'");
          s.execute("INSERT INTO account_history VALUES ('restored', 1, 1, 1, 5, '2026-12-01 10:00', 0)");
        }

        try (Statement s = legacy.createStatement()) {
          s.execute("UPDATE history SET delta = 99 WHERE tid = 4");
          s.execute("DELETE FROM history WHERE tid = 3");
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(letters(config))
            .as("an update and two deletes, none applied").containsExactlyInAnyOrder(
                "UPDATE map.append-only", "DELETE map.append-only", "DELETE map.append-only"));
        assertThat(targetRows(target)).as("the target keeps what the legacy insert wrote")
            .contains("4|4|4|1|2026-12-02 09:00:00", "3|3|3|9|2026-12-02 09:00:00").hasSize(95);
        // what the refused update and deletes leave is explained by their letters, matched by the rows' values
        final Reconciliation.Result refused = Reconciliation.run(inputs, index, quiet);
        assertThat(refused.unexplainedLines(10)).isEmpty();
        assertThat(refused.tableLines()).singleElement().asString()
            .contains("missing 1, extra 3, different 0, refused 0; explained 4, unexplained 0");

        try (Statement s = legacy.createStatement()) {
          s.execute("TRUNCATE history");
          s.execute("INSERT INTO history VALUES (7, 7, 7, 7, '2026-12-04 10:00', NULL), "
              + "(7, 7, 7, 7, '2026-12-04 10:00', NULL)");
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(targetRows(target))
            .as("a TRUNCATE empties the target table; the rows after it stay")
            .containsExactly("7|7|7|7|2026-12-04 10:00:00", "7|7|7|7|2026-12-04 10:00:00")
            .isEqualTo(legacyRows(legacy)));
      }
      assertThat(letters(config)).as("nothing else dead-lettered").hasSize(3);

      // what the checks refuse: the table without REPLICA IDENTITY FULL, and a keyless table not declared
      try (Statement s = legacy.createStatement()) {
        s.execute("ALTER TABLE history REPLICA IDENTITY DEFAULT");
      }
      assertThatThrownBy(config::checkAgainstDatabases).isInstanceOf(ConfigException.class)
          .hasMessageContaining("legacy.append-only").hasMessageContaining("REPLICA IDENTITY FULL");
    }
    Files.writeString(mapping, """
        tables:
          - source: public.keyless_undeclared
            target: undeclared
            fields: {position: a, a: a, b: b}
        """);
    final FerryConfig undeclared = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.keyless_undeclared", "", mapping, work), EnumSet.allOf(Role.class), work);
    assertThatThrownBy(undeclared::checkAgainstDatabases).isInstanceOf(ConfigException.class)
        .hasMessageContaining("has no primary key").hasMessageContaining("legacy.append-only");
  }

  /**
   * A log partitioned by time, the usual shape of a large one (a partitioned table's primary key must hold the
   * partition key, so logs often have none): the check asks for REPLICA IDENTITY FULL on each partition, where
   * PostgreSQL checks an UPDATE or DELETE, not only on the partitioned table; then its rows in every partition arrive
   * once each, equal ones included, into a target table without the version column (versions kept aside).
   */
  @Test
  void aPartitionedLogNeedsItsPartitionsIdentityAndSyncsFromEachPartition() throws Exception {
    final String name = "it_append_only_partitioned";
    TestDatabases.create(stack, name, """
        CREATE TABLE visit_log (at timestamp NOT NULL, page text, ms int) PARTITION BY RANGE (at);
        CREATE TABLE visit_log_2025 PARTITION OF visit_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE "Visit_Log_2026" PARTITION OF visit_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        ALTER TABLE visit_log REPLICA IDENTITY FULL;
        INSERT INTO visit_log SELECT '2025-06-01'::timestamp + g * interval '1 day', '/home', 10
          FROM generate_series(1, 300) g;
        INSERT INTO visit_log VALUES ('2026-01-02 10:00', '/home', 10), ('2026-01-02 10:00', '/home', 10);
        """, "CREATE TABLE visit (position text PRIMARY KEY, at timestamp, page text, ms int);");
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.visit_log
            target: visit
            fields: {position: ferry_position, at: at, page: page, ms: ms}
        """);
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.visit_log", "", mapping, work).with("legacy.append-only", "public.visit_log",
        "test"), EnumSet.allOf(Role.class), work);
    assertThatThrownBy(config::checkAgainstDatabases).isInstanceOf(ConfigException.class)
        .hasMessageContaining("on itself and each of its partitions").hasMessageContaining(
            "run ALTER TABLE public.\"Visit_Log_2026\" REPLICA IDENTITY FULL; ALTER TABLE public.visit_log_2025 REPLICA "
            + "IDENTITY FULL on the legacy database").hasMessageNotContaining("ALTER TABLE public.visit_log REPLICA");
    final String visits = "SELECT to_char(at, 'YYYY-MM-DD HH24:MI') || ' ' || page || ' ' || ms FROM %s ORDER BY 1";
    try (Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      TestDatabases.exec(legacy, "ALTER TABLE visit_log_2025 REPLICA IDENTITY FULL; "
          + "ALTER TABLE \"Visit_Log_2026\" REPLICA IDENTITY FULL");
      assertThat(config.checkAgainstDatabases()).isTrue();
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, String.format(visits,
            "visit"))).as("the initial load").hasSize(302).isEqualTo(rows(legacy, String.format(visits, "visit_log"))));
        TestDatabases.exec(legacy, "INSERT INTO visit_log VALUES ('2025-12-31 23:59', '/cart', 5), "
            + "('2026-01-02 10:00', '/home', 10), ('2026-03-03 03:03', '/cart', 5); "
            + "DELETE FROM visit_log WHERE at = '2025-06-02'");
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, String.format(visits,
            "visit"))).as("inserted into each partition, the deleted row kept").hasSize(305)
            .containsAll(rows(legacy, String.format(visits, "visit_log")))
            .filteredOn(r -> r.startsWith("2026-01-02 10:00")).hasSize(3));
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(letters(config))
            .containsExactly("DELETE map.append-only"));
      }
    }
  }

  private List<String> letters(final FerryConfig config) {
    final List<String> out = new ArrayList<>();
    for (final DeadLetter l : DeadLetterReader.all(stack, config)) {
      out.add(op(l) + " " + l.getErrors().get(0).getRule());
    }
    return out;
  }

  private static String op(final DeadLetter l) {
    final String message = l.getErrors().get(0).getMessage();
    return message.startsWith("DELETE") ? "DELETE" : message.startsWith("UPDATE") ? "UPDATE" : message;
  }
}
