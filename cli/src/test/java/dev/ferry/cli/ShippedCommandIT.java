package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.Northwind;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.sql.Connection;
import java.sql.Statement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command exactly as it ships: {@code scripts/ferry} on its own classpath (the one the build writes for
 * it, not this test's), run as a user runs it, with a configuration file, {@code FERRY_*} overrides, a dump as
 * pg_dump writes it, and a mapping that uses every feature docs/mapping.md documents: lookups from a file and
 * inline, every on-missing, a filter, from/concat/split/expr (with CEL's string extension), trim,
 * empty-as-null, every type, a default, both PII treatments, every rule kind, both severities, and a
 * header/detail relation. Dependency clashes (CEL on the wrong protobuf) only show here. Not append-only tables: the
 * unique rule here takes the initial load through Kafka, which refuses them ({@code AppendOnlyTableIT} has them).
 */
class ShippedCommandIT {
  private static final String DUMP = """
      --
      -- PostgreSQL database dump
      --
      SET client_encoding = 'UTF8';
      \\connect club
      CREATE TABLE public.members (member_no integer PRIMARY KEY, code character(8), first_last text, email text,
        phone text, country text, joined text, last_seen timestamp, born timestamp, active text, credit real,
        tier text);
      CREATE TABLE public.orders (order_no integer PRIMARY KEY, member_no integer, total numeric(10,2),
        placed timestamp with time zone, status text);
      CREATE TABLE public.order_lines (order_no integer, line_no integer, sku text, qty text, price real,
        PRIMARY KEY (order_no, line_no));
      COPY public.members (member_no, code, first_last, email, phone, country, joined, last_seen, born, active, credit, tier) FROM stdin;
      1\tAB1234  \tAnn Lee\t Ann.Lee@Example.ORG \t+49 30 123456\tGermany\t01.02.2003\t2026-03-01 10:00:00\t1980-05-17 23:30:00\tY\t100.005\tG
      2\tbad!    \tBob Bad\tbob@example.org\t\\N\tFrance\t2010-02-03\t\\N\t\\N\tN\t5\tS
      3\tCD5678  \tCy Tier\tcy@example.org\t\\N\tFrance\t2011-04-05\t\\N\t\\N\t\\N\t5\tX
      4\tEF9012  \tDi Dup\tann.lee@example.org\t\\N\tFrance\t2012-06-07\t\\N\t\\N\tY\t5\tB
      5\tGH3456  \tEd Atlantis Maximilian-Longname\ted@example.org\t   \tAtlantis\t2013-08-09\t\\N\t\\N\tyes\t5\tB
      6\tIJ7890  \tFlo Date\tflo@example.org\t\\N\tFrance\t31.02.2010\t\\N\t\\N\tY\t5\tB
      7\tTEST0001\tTest User\ttest@example.org\t\\N\tFrance\t2014-01-01\t\\N\t\\N\tY\t5\tB
      8\tKL1234  \tGus Nomail\t\\N\t\\N\tFrance\t2015-01-01\t\\N\t\\N\tY\t5\tB
      \\.
      COPY public.orders (order_no, member_no, total, placed, status) FROM stdin;
      100\t1\t10.29\t2026-03-01 10:00:00+01\tnew
      \\.
      COPY public.order_lines (order_no, line_no, sku, qty, price) FROM stdin;
      100\t1\tSKU-1\t3\t2.43
      100\t2\tSKU-2\t1\t3
      \\.
      """;
  private static final String TARGET = """
      CREATE TABLE member (id int PRIMARY KEY, code text NOT NULL, first_name text, last_name text, email text,
        email_hash text, phone text, country char(2), region text, joined date, last_seen timestamp, born date,
        active boolean, credit numeric(12,2), tier text, label text, ferry_version bigint NOT NULL);
      CREATE TABLE purchase (id int PRIMARY KEY, member_id int, total_cents bigint, placed_at timestamp, status text,
        ferry_version bigint NOT NULL);
      CREATE TABLE purchase_line (purchase_id int REFERENCES purchase, line_no int, sku text, qty int,
        price numeric(10,2), ferry_version bigint NOT NULL, PRIMARY KEY (purchase_id, line_no));
      """;
  private static final String MAPPING = """
      version: "every-feature-1"
      lookups:
        countries: {file: countries.csv, key: name, value: iso2}
        tiers: {values: {G: gold, S: silver, B: bronze}}
      tables:
        - source: public.members
          target: member
          filter: "row.code.trim() != 'TEST0001'"
          fields:
            id: member_no
            code: {from: code, type: text, trim: true}
            first_name: {split: first_last, separator: " ", part: first}
            last_name: {split: first_last, separator: " ", part: rest}
            email: {expr: "row.email == null ? row.email : row.email.trim().lowerAscii()"}
            email_hash: {from: email, pii: pseudonymize}
            phone: {from: phone, trim: true, empty-as-null: true, pii: mask, keep-last: 2}
            country: {from: country, lookup: countries, on-missing: "null"}
            region: {from: country, lookup: countries, on-missing: keep}
            joined: {from: joined, type: date, formats: ["dd.MM.yyyy", "yyyy-MM-dd"]}
            last_seen: {from: last_seen, type: timestamp, zone: Europe/Berlin}
            born: {from: born, type: date}
            active: {from: active, type: boolean, default: "yes"}
            credit: {from: credit, type: decimal, scale: 2, rounding: half-up}
            tier: {from: tier, lookup: tiers}
            label: {concat: [code, first_last], separator: " / "}
          rules:
            - {id: code-format, field: code, pattern: "[A-Z]{2}[0-9]{4}",
               resolution: "member codes are two letters and four digits"}
            - {id: email-required, field: email, required: true}
            - {id: name-length, field: last_name, min-length: 1, max-length: 20, severity: warning,
               assume: "the new system shortens it"}
            - {id: credit-range, field: credit, min: 0, max: 10000}
            - {id: tier-known, field: tier, allowed: [gold, silver, bronze]}
            - {id: region-known, field: region, in-lookup: countries, severity: warning, assume: "no region"}
            - {id: active-needs-email, expr: "!row.active || row.email != null",
               message: "an active member needs an e-mail address"}
            - {id: email-unique, field: email, unique: true}
        - source: public.orders
          target: purchase
          fields:
            id: order_no
            member_id: member_no
            total_cents: {expr: "row.total * 100.0", type: decimal, scale: 0}
            placed_at: {from: placed, type: timestamp}
            status: {from: status, type: text}
        - source: public.order_lines
          target: purchase_line
          fields:
            purchase_id: order_no
            line_no: line_no
            sku: sku
            qty: {from: qty, type: integer}
            price: {from: price, type: decimal, scale: 2}
      """;
  private static final String CONFIG = """
      # a user's configuration, as the services read it: its connection settings point at a real deployment
      kafka:
        bootstrap-servers: kafka.example.internal:9092
      registry:
        url: http://registry.example.internal:8081
      topics:
        # a unique rule is checked within a partition only (README, "What does not work yet")
        partitions: 1
      legacy:
        host: legacy.example.internal
        database: club
        password: not-for-the-sandbox
        tables: public.members,public.orders,public.order_lines
        relations: public.order_lines(order_no) -> public.orders(order_no)
      target:
        jdbc-url: jdbc:postgresql://target.example.internal/club?password=nor-this
      processor:
        mapping-file: mapping.yaml
        pii: keep
      """;

  @TempDir
  Path dir;

  @Test
  void theSandboxCommandAsShippedRunsAMappingWithEveryDocumentedFeature() throws Exception {
    Files.writeString(dir.resolve("club.sql"), DUMP);
    Files.writeString(dir.resolve("target.sql"), TARGET);
    Files.writeString(dir.resolve("mapping.yaml"), MAPPING);
    Files.writeString(dir.resolve("countries.csv"), "name,iso2\nGermany,DE\nFrance,FR\n\"Korea, Republic of\",KR\n");
    Files.writeString(dir.resolve("ferry.yaml"), CONFIG);
    final Path root = Path.of("").toAbsolutePath().getParent();
    final Path export = dir.resolve("out");
    final ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("scripts/ferry").toString(), "sandbox",
        "-c", dir.resolve("ferry.yaml").toString(), "--legacy", dir.resolve("club.sql").toString(),
        "--target", dir.resolve("target.sql").toString(), "--once", "--export", export.toString(),
        "--work-dir", dir.resolve("work").toString())
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("output.txt").toFile());
    // what mvn verify built, as it is: no rebuild in the middle of the build
    pb.environment().put("FERRY_NO_BUILD", "1");
    // the environment overrides the file, as in a container
    pb.environment().put("FERRY_PROCESSOR_PII", "protect");
    pb.environment().put("FERRY_PROCESSOR_PSEUDONYMIZATION_KEY", "club-key");
    final Process p = pb.start();
    final boolean exited = p.waitFor(8, TimeUnit.MINUTES);
    if (!exited) {
      p.destroyForcibly();
    }
    final String output = Files.readString(dir.resolve("output.txt"));
    assertThat(exited).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("Drained.").doesNotContain("not-for-the-sandbox").doesNotContain("nor-this")
        .doesNotContain("NoClassDefFoundError");

    assertThat(Files.readAllLines(export.resolve("member.csv"))).containsExactly(
        "id,code,first_name,last_name,email,email_hash,phone,country,region,joined,last_seen,born,active,credit,tier,"
            + "label",
        "1,AB1234,Ann,Lee,ann.lee@example.org," + pseudonym(" Ann.Lee@Example.ORG ") + ",***********56,DE,DE,"
            + "2003-02-01,2026-03-01 09:00:00,1980-05-17,t,100.01,gold,AB1234 / Ann Lee",
        "5,GH3456,Ed,Atlantis Maximilian-Longname,ed@example.org," + pseudonym("ed@example.org") + ",,,Atlantis,"
            + "2013-08-09,,,t,5.00,bronze,GH3456 / Ed Atlantis Maximilian-Longname");
    assertThat(Files.readAllLines(export.resolve("purchase.csv"))).containsExactly(
        "id,member_id,total_cents,placed_at,status", "100,1,1029,2026-03-01 09:00:00,new");
    assertThat(Files.readAllLines(export.resolve("purchase_line.csv"))).containsExactly(
        "purchase_id,line_no,sku,qty,price", "100,1,SKU-1,3,2.43", "100,2,SKU-2,1,3.00");

    final List<String> letters = new ArrayList<>();
    for (final String line : Files.readAllLines(export.resolve("dead-letters.jsonl"))) {
      final JsonNode l = new ObjectMapper().readTree(line);
      final List<String> rules = new ArrayList<>();
      l.get("errors").forEach(e -> rules.add(e.get("rule").asText() + ":" + e.get("severity").asText()));
      letters.add(l.get("stage").asText() + " " + l.get("sourceKey").asText() + " " + rules);
      assertThat(l.get("mappingVersion").asText()).isEqualTo("every-feature-1");
    }
    assertThat(letters).containsExactlyInAnyOrder(
        "VALIDATE 2 [code-format:ERROR]",
        "MAP 3 [lookup.tiers:ERROR]",
        "VALIDATE 4 [email-unique:ERROR]",
        "VALIDATE 5 [name-length:WARNING, region-known:WARNING]",
        "MAP 6 [map.date:ERROR]",
        "VALIDATE 8 [email-required:ERROR, active-needs-email:ERROR]");
  }

  /**
   * {@code ferry resnapshot} as shipped: it puts one signal for the capture on its signal topic (keyed by the
   * connector's name, as Debezium reads it), and refuses a table the capture does not read, naming it, before
   * anything is sent.
   */
  @Test
  void theResnapshotCommandAsShippedSignalsTheCaptureAndRefusesATableItDoesNotRead() throws Exception {
    final EmbeddedStack stack = SharedStack.get();
    Files.writeString(dir.resolve("ferry.yaml"), """
        kafka:
          bootstrap-servers: %s
        registry:
          url: %s
        topics:
          prefix: shipped_resnap
        legacy:
          host: legacy.example.internal
          database: club
          tables: public.members,public.orders
        connector:
          name: club-capture
        """.formatted(stack.kafka().bootstrapServers(), stack.registry().url()));

    final Run refused = ferry("resnapshot", "-c", dir.resolve("ferry.yaml").toString(), "--table", "public.nope");
    assertThat(refused.exit()).as(refused.output()).isEqualTo(2);
    assertThat(refused.output()).contains("--table", "public.nope", "public.members, public.orders")
        .contains("Nothing was started.");

    final Run sent = ferry("resnapshot", "-c", dir.resolve("ferry.yaml").toString(), "--table", "public.orders");
    assertThat(sent.exit()).as(sent.output()).isZero();
    assertThat(sent.output()).contains("asked capture club-capture to read public.orders again");
    final List<ConsumerRecord<String, String>> signals = SignalTopic.read(stack, "shipped_resnap.connector-signals");
    assertThat(signals).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo("club-capture");
      final JsonNode signal = new ObjectMapper().readTree(r.value());
      assertThat(signal.get("type").asText()).isEqualTo("execute-snapshot");
      assertThat(signal.get("data").get("type").asText()).isEqualTo("incremental");
      assertThat(signal.get("data").get("data-collections").get(0).asText()).isEqualTo("public.orders");
    });
  }

  /**
   * {@code ferry reconcile} as shipped, after a Northwind sync: exit 0 and "RECONCILED" while the target holds what
   * the legacy data maps to; exit 1 with the difference in reconcile.json once an order's freight drifts in the
   * target; exit 2 naming the option and value for a --settle that is no duration.
   */
  @Test
  void theReconcileCommandAsShippedExitsZeroOnlyWhenNothingIsUnexplained() throws Exception {
    final EmbeddedStack stack = SharedStack.get();
    final DemoEnvironment base = DemoEnvironment.create(stack, dir, "shipped_reconcile");
    try (Pipeline pipeline = new Pipeline(base.config()).start(); Connection legacy = base.legacy();
        Connection target = base.target()) {
      // the snapshot's end applied too (its history entry is asserted below), not only its rows: it comes behind them
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match()
          && !base.config().sink().history().recent(dev.ferry.history.RunHistory.Kind.SNAPSHOT_APPLIED, 1).isEmpty());
    }
    Files.writeString(dir.resolve("ferry.yaml"), """
        kafka:
          bootstrap-servers: %s
        registry:
          url: %s
        topics:
          prefix: shipped_reconcile
        legacy:
          host: %s
          port: %d
          database: %s
          user: %s
          password: ""
          tables: %s
          relations: "%s"
        processor:
          mapping-file: %s
        target:
          jdbc-url: %s
          user: %s
          password: ""
        """.formatted(stack.kafka().bootstrapServers(), stack.registry().url(), stack.legacy().host(),
        stack.legacy().port(), base.legacyDatabase(), EmbeddedDatabase.USER,
        Northwind.LEGACY_TABLES.stream().map(t -> "public." + t).collect(Collectors.joining(",")), Northwind.RELATIONS,
        dir.resolve("shipped_reconcile").resolve("mapping.yaml"), stack.target().jdbcUrl(base.targetDatabase()),
        EmbeddedDatabase.USER));

    final Run audit = ferry("audit", "-c", "ferry.yaml", "--report", "audit");
    assertThat(audit.exit()).as(audit.output()).isZero();
    assertThat(audit.output()).contains("public.order_details: 2,155 rows; the mapping would refuse 0")
        .contains("the mapping would refuse 0; report in").doesNotContain("NoClassDefFoundError");
    assertThat(dir.resolve("audit").resolve("audit.html")).exists();
    assertThat(Files.readString(dir.resolve("audit").resolve("migration-spec.md")))
        .contains("## `public.order_details` → `sales_order_line`");

    final Run reverse = ferry("mapping", "reverse", "-c", "ferry.yaml", "--out", "reverse.yaml");
    assertThat(reverse.exit()).as(reverse.output()).isZero();
    assertThat(reverse.output()).contains("reverse of mapping.yaml drafted in reverse.yaml: legacy columns exact 17, "
        + "lossy 23, not restored 0").contains("countries: GB stands for 2 legacy codes [UK, United Kingdom]");
    assertThat(Files.readString(dir.resolve("reverse.yaml"))).contains("  - source: public.sales_order\n"
        + "    target: public.orders\n").contains("contact_name: {concat: [contact_first_name, contact_last_name], "
        + "separator: \" \"}");

    // without --report: a directory of its own under ferry-reports, said on the last line
    final Run clean = ferry("reconcile", "-c", "ferry.yaml", "--settle", "0s");
    assertThat(clean.exit()).as(clean.output()).isZero();
    assertThat(clean.output()).contains("RECONCILED: 0 unexplained").contains("sales_order_line: legacy 2,155")
        .doesNotContain("NoClassDefFoundError");
    final java.util.regex.Matcher reportIn = java.util.regex.Pattern
        .compile("report in (ferry-reports/reconcile-[0-9]{8}-[0-9]{6})/reconcile\\.html").matcher(clean.output());
    assertThat(reportIn.find()).as(clean.output()).isTrue();
    assertThat(dir.resolve(reportIn.group(1)).resolve("reconcile.html")).exists();
    assertThat(dir.resolve(reportIn.group(1)).resolve("reconcile.json")).exists();

    try (Connection target = base.target(); Statement s = target.createStatement()) {
      s.execute("UPDATE sales_order SET freight = freight + 0.01 WHERE id = 10249");
    }
    final Run drifted = ferry("reconcile", "-c", "ferry.yaml", "--report", "drifted", "--settle", "1s");
    assertThat(drifted.exit()).as(drifted.output()).isEqualTo(1);
    assertThat(drifted.output()).contains("NOT RECONCILED: 1 unexplained").contains("looking again in 1 s");
    final JsonNode report = new ObjectMapper().readTree(dir.resolve("drifted").resolve("reconcile.json").toFile());
    assertThat(report.get("unexplained").asInt()).isEqualTo(1);
    final List<String> rows = new ArrayList<>();
    report.get("tables").forEach(t -> t.get("rows").forEach(r -> rows.add(t.get("target").asText() + " "
        + r.get("key").asText() + " " + r.get("columns").get(0).get("name").asText() + " "
        + r.get("columns").get(0).get("expected").asText() + " -> " + r.get("columns").get(0).get("actual").asText())));
    try (Connection legacy = base.legacy(); Statement s = legacy.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT round(freight::numeric, 2) FROM orders WHERE order_id = 10249")) {
      rs.next();
      final java.math.BigDecimal freight = rs.getBigDecimal(1);
      assertThat(rows).containsExactly("sales_order 10249 freight " + freight.stripTrailingZeros().toPlainString()
          + " -> " + freight.add(new java.math.BigDecimal("0.01")).stripTrailingZeros().toPlainString());
    }

    // every run is in the history the target keeps, and the report links to its page
    assertThat(Files.readString(dir.resolve("drifted").resolve("reconcile.html"))).contains("href=\"history.html\"");
    assertThat(Files.readString(dir.resolve("drifted").resolve("history.html"))).contains("not reconciled: 1 unexplained");
    final Run runs = ferry("history", "-c", "ferry.yaml");
    assertThat(runs.exit()).as(runs.output()).isZero();
    assertThat(runs.output()).contains("sink-start").contains("snapshot-applied").contains("sink-stop").contains("audit: ")
        .contains("reconcile         reconciled: 0 unexplained").contains("not reconciled: 1 unexplained, 0 explained");
    final Run errors = ferry("history", "-c", "ferry.yaml", "--errors");
    assertThat(errors.exit()).as(errors.output()).isZero();
    assertThat(errors.output()).contains("no dead letters");

    final Run wrong = ferry("reconcile", "-c", "ferry.yaml", "--report", "x", "--settle", "soon");
    assertThat(wrong.exit()).as(wrong.output()).isEqualTo(2);
    assertThat(wrong.output()).contains("--settle").contains("'soon'").contains("ms, s, m, h or d");
  }

  /**
   * A connector whose legacy server does not answer (nothing listens on loopback port 1) says so in two lines and
   * exits 1, so that a supervisor starts it again; it printed a stack trace before session 43.
   */
  @Test
  void theConnectorAsShippedSaysWhichServerItCannotReach() throws Exception {
    Files.writeString(dir.resolve("unreachable.yaml"), """
        kafka: {bootstrap-servers: "%s"}
        registry: {url: "%s"}
        legacy: {host: 127.0.0.1, port: 1, database: shop, tables: [public.orders]}
        connector: {name: shop, initial-load: kafka}
        """.formatted(SharedStack.get().kafka().bootstrapServers(), SharedStack.get().registry().url()));
    final Run run = ferry("connector", "-c", "unreachable.yaml");
    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    assertThat(run.output()).contains("jdbc:postgresql://127.0.0.1:1/shop: Connection to 127.0.0.1:1 refused")
        .contains("A server this command needs could not be reached: start it, or correct its address")
        .doesNotContain("\tat ").doesNotContain("IllegalStateException");
  }

  /**
   * A processor whose Kafka address is wrong (nothing listens on loopback port 9) says so in two lines once its wait
   * is over and exits 1. Before session 45 it logged Kafka's "could not be established" every second and never
   * said what was wrong (Kafka Streams retries without end).
   */
  @Test
  void theProcessorAsShippedSaysKafkaDoesNotAnswer() throws Exception {
    Files.writeString(dir.resolve("no-kafka.yaml"), """
        kafka: {bootstrap-servers: "127.0.0.1:9", client.default.api.timeout.ms: 3000}
        registry: {url: "http://127.0.0.1:9"}
        legacy: {tables: [public.orders]}
        processor: {mapping-file: orders.yaml}
        """);
    Files.writeString(dir.resolve("orders.yaml"), """
        version: "1"
        tables:
          - {source: public.orders, target: purchase, fields: {id: order_no}}
        """);
    final Run run = ferry("processor", "-c", "no-kafka.yaml");
    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    assertThat(run.output())
        .contains("Kafka at 127.0.0.1:9 does not answer (127.0.0.1:9: Connection refused); waiting up to 3 s")
        .contains("cannot reach Kafka at kafka.bootstrap-servers = 127.0.0.1:9 within 3 s: 127.0.0.1:9: Connection "
            + "refused")
        .contains("A server this command needs could not be reached: start it, or correct its address")
        .doesNotContain("\tat ").doesNotContain("could not be established");
  }

  private record Run(int exit, String output) {
  }

  /** {@code scripts/ferry args}, as built by mvn verify, in {@link #dir}. */
  private Run ferry(final String... args) throws Exception {
    final Path root = Path.of("").toAbsolutePath().getParent();
    final List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/ferry").toString()));
    command.addAll(List.of(args));
    final Path out = Files.createTempFile(dir, "ferry-", ".txt");
    final ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    pb.environment().put("FERRY_NO_BUILD", "1");
    final Process process = pb.start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("ferry " + String.join(" ", args) + " did not exit within 2 minutes: "
          + Files.readString(out));
    }
    return new Run(process.exitValue(), Files.readString(out));
  }

  /** The pseudonym docs/mapping.md promises: HMAC-SHA256 with the key, first 16 hex digits; computed here. */
  private static String pseudonym(final String value) throws Exception {
    final Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("club-key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 8);
  }
}
