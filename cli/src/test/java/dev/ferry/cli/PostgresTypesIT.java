package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.ConfluentRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL's types beyond numbers, text and time arrive as they were, snapshot and streamed, in a target column of
 * the same type: arrays (with quotes, commas, NULL elements, empty, two-dimensional), geometric types, bit strings
 * (leading zeros kept), a time of 24:00:00 (the end of a day, which no Java time holds), enums (one given a value
 * while the capture streams), domains,
 * inet/cidr/macaddr, xml, json and jsonb, money, ranges, bytea, a quoted mixed-case column, types Debezium has no
 * converter for (a composite type, pg_lsn, tsquery, tid, regclass), tsvector; into a table with Ferry's version column (written by COPY) and one without (written by
 * statements); and an unchanged TOASTed array is kept when another column of its row changes. Each row is compared
 * with the legacy row as PostgreSQL itself renders both ({@code to_jsonb}).
 */
class PostgresTypesIT {
  private static final String TYPES = """
      CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
      CREATE TYPE address AS (street text, city text, zip varchar(10));
      """;
  private static final String COLUMNS = """
      (id int PRIMARY KEY, tags text[], nums integer[], grid integer[], attrs jsonb, doc json, addr inet, net cidr,
       mac macaddr, price money, feeling mood, qty posint, flags bit(4), vflags varbit, pt point, box box, blob bytea,
       x xml, period tsrange, big numeric(30,10), "Mixed Case" text, long_tags text[], at time, home address,
       lsn pg_lsn, q tsquery, tsv tsvector, place tid, rel regclass""";
  private static final String LEGACY = TYPES + "CREATE TABLE things " + COLUMNS + ");\n"
      + "CREATE TABLE gadgets " + COLUMNS + ");\n";
  private static final String TARGET = TYPES + "CREATE TABLE things " + COLUMNS + ", ferry_version bigint NOT NULL);\n"
      + "CREATE TABLE gadgets " + COLUMNS + ");\n";
  private static final List<String> FIELDS = List.of("id", "tags", "nums", "grid", "attrs", "doc", "addr", "net",
      "mac", "price", "feeling", "qty", "flags", "vflags", "pt", "box", "blob", "x", "period", "big", "Mixed Case",
      "long_tags", "at", "home", "lsn", "q", "tsv", "place", "rel");
  private static final String ODD = "(%d, '{\"a, b\",\"c\\\"d\",NULL,\"\"}', '{1,2,NULL}', '{{1,2},{3,4}}', "
      + "'{\"k\": [1, {\"z\": null}], \"u\": \"ü\"}', '{\"raw\":  \"spaced\"}', '192.168.0.1/24', '10.0.0.0/8', "
      + "'08:00:2b:01:02:03', '1234.56', 'happy', 7, B'0010', B'001', '(1.5,-2)', '((0,0),(1,1))', '\\x00ff10', "
      + "'<a x=\"1\">t</a>', '[2020-01-01,2020-02-01)', '12345678901234567890.0123456789', 'tab\tquote'' back\\slash',"
      + " NULL, '24:00:00', ROW('Main St, 1', 'Köln', NULL), '16/B374D848', 'fat & (rat | !cat)', "
      + "'a:1 fat:2B cat', '(1,2)', 'things')";
  private static final String PLAIN = "(%d, '{}', '{}', NULL, 'null', '[]', '::1', '::/0', '00:00:00:00:00:00', "
      + "'-0.01', 'sad', 1, B'0000', B'', '(0,0)', '((1,1),(1,1))', '\\x', '<r/>', 'empty', '-0.0000000001', NULL, "
      + "NULL, '00:00:00.000001', ROW(NULL, NULL, NULL), '0/0', 'x', '', '(0,0)', 'gadgets')";

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void everyPostgresTypeArrivesAsItWasSnapshotAndStreamed() throws Exception {
    final String name = "it_pgtypes";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      for (final String table : List.of("things", "gadgets")) {
        s.execute("INSERT INTO " + table + " VALUES " + ODD.formatted(1) + ", " + PLAIN.formatted(2));
        s.execute("INSERT INTO " + table + " (id) VALUES (3)");
        // a TOASTed array PostgreSQL will not send again when another column of the row changes
        s.execute("UPDATE " + table + " SET long_tags = (SELECT array_agg(md5(g::text)) FROM generate_series(1, "
            + "3000) g) WHERE id = 1");
      }
    }
    final Path mapping = work.resolve("mapping.yaml");
    final StringBuilder yaml = new StringBuilder("tables:\n");
    for (final String table : List.of("things", "gadgets")) {
      yaml.append("  - source: public.").append(table).append("\n    target: ").append(table).append("\n    fields:\n");
      FIELDS.forEach(f -> yaml.append("      \"").append(f).append("\": \"").append(f).append("\"\n"));
    }
    Files.writeString(mapping, yaml.toString());
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.things,public.gadgets", "", mapping, work), EnumSet.allOf(Role.class), work);
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      for (final String table : List.of("things", "gadgets")) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, table))
            .as(table + ", snapshot").isEqualTo(rows(legacy, table)));
      }
      try (Statement s = legacy.createStatement(); Statement t = target.createStatement()) {
        // an enum given a value while the capture streams (the type keeps its oid, and pgoutput says nothing of it)
        t.execute("ALTER TYPE mood ADD VALUE 'ecstatic'");
        s.execute("ALTER TYPE mood ADD VALUE 'ecstatic'");
        for (final String table : List.of("things", "gadgets")) {
          s.execute("UPDATE " + table + " SET feeling = 'ecstatic' WHERE id = 2");
          s.execute("INSERT INTO " + table + " VALUES " + ODD.formatted(4) + ", " + PLAIN.formatted(5));
          s.execute("INSERT INTO " + table + " (id) VALUES (6)");
          s.execute("UPDATE " + table + " SET qty = 9, flags = B'0001', tags = '{\"x y\"}' WHERE id = 1");
          s.execute("UPDATE " + table + " SET grid = '{{5}}', pt = '(3,4)' WHERE id = 2");
          // types Debezium has no converter for (PostgresTextValues)
          s.execute("UPDATE " + table + " SET home = ROW('Other \"quoted\"', 'Bonn', '53111'), lsn = '1/2', "
              + "q = 'b & c', place = '(7,8)' WHERE id = 1");
        }
      }
      for (final String table : List.of("things", "gadgets")) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, table))
            .as(table + ", streamed").isEqualTo(rows(legacy, table)));
        assertThat(rows(target, table).get(0)).as("the unchanged TOASTed array was kept").contains("\"qty\": 9")
            .contains("\"flags\": \"0001\"").contains("\"long_tags_md5\": \"").doesNotContain("long_tags_md5\": null");
      }
      assertThat(DeadLetterReader.all(stack, config)).isEmpty();

      // ferry reconcile reads both databases itself and finds them equal, value by value
      final var topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
      final Reconciliation.Result result = Reconciliation.run(new Reconciliation.Inputs(config.processor().mapping(),
          () -> config.connector().connect(), () -> DriverManager.getConnection(config.sink().jdbcUrl(),
          config.sink().user(), config.sink().password()), config.sink().versionColumn(), Duration.ZERO),
          Reconciliation.DeadLetterIndexSource.topic(config.sink().kafka(), topics.deadLetter()),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      assertThat(result.unexplainedLines(20)).isEmpty();
      assertThat(result.unexplained()).isZero();
    }
  }

  /**
   * Every row of {@code table} as PostgreSQL renders it as JSON, by id, without Ferry's version column and with the
   * long array as its md5 (a failure prints the rest).
   */
  private static List<String> rows(final Connection c, final String table) throws SQLException {
    final List<String> out = new java.util.ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (to_jsonb(t) - 'ferry_version' - 'long_tags' || jsonb_build_object("
            + "'long_tags_md5', md5(t.long_tags::text)))::text FROM " + table + " t ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
