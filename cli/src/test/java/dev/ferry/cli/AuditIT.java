package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.audit.Audit;
import dev.ferry.audit.AuditReport;
import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry audit} on Northwind with the faults legacy data has: lines the mapping refuses (a negative quantity, a
 * discount above 1), a line whose order is gone and one whose product is gone (their foreign keys dropped, as legacy
 * schemas often lack them), two customers sharing a company name that a {@code unique} rule declares a natural
 * key, blank cities where the new system requires one, and promised dates kept as text in two formats (and one in
 * neither). Every figure is checked against the legacy database's own answer, and nothing is written to the target.
 */
class AuditIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void profilesEveryTableCountsOrphansAndDuplicatesAndDryRunsTheMapping() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_audit");
    final Path mapping = work.resolve("it_audit").resolve("mapping.yaml");
    Files.writeString(mapping, Files.readString(mapping).replace(
        "      - {id: company-name-length, field: company_name, max-length: 40,",
        "      - {id: company-unique, field: company_name, unique: true}\n"
            + "      - {id: city-required, field: city, required: true}\n"
            + "      - {id: company-name-length, field: company_name, max-length: 40,").replace(
        "      ship_country_code: {from: ship_country, lookup: countries, on-missing: \"null\"}\n",
        "      ship_country_code: {from: ship_country, lookup: countries, on-missing: \"null\"}\n"
            + "      promised_date: {from: promised_text, type: date, formats: [\"dd.MM.yyyy\", \"yyyy-MM-dd\"]}\n"));
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      s.execute("ALTER TABLE order_details DROP CONSTRAINT fk_order_details_orders");
      s.execute("ALTER TABLE order_details DROP CONSTRAINT fk_order_details_products");
      s.execute("INSERT INTO order_details VALUES (10248, 1, 10, -5, 0)");
      s.execute("INSERT INTO order_details VALUES (10248, 2, 10, 1, 1.5)");
      s.execute("INSERT INTO order_details VALUES (32000, 3, 10, 1, 0)");
      s.execute("INSERT INTO order_details VALUES (10249, 999, 10, 1, 0)");
      s.execute("UPDATE customers SET company_name = 'Alfreds Futterkiste' WHERE customer_id = 'ANATR'");
      // blanks in a field the new system requires
      s.execute("UPDATE customers SET city = '  ' WHERE customer_id IN ('BERGS', 'BLAUS')");
      // dates kept as text, in two formats, and one in neither
      s.execute("ALTER TABLE orders ADD COLUMN promised_text varchar(12)");
      s.execute("UPDATE orders SET promised_text = '31.12.2026' WHERE order_id BETWEEN 10248 AND 10257");
      s.execute("UPDATE orders SET promised_text = '2026-12-31' WHERE order_id BETWEEN 10258 AND 10262");
      s.execute("UPDATE orders SET promised_text = '12/31/2026' WHERE order_id = 10263");
    }
    final FerryConfig config = FerryConfig.resolve(env.source(), EnumSet.allOf(Role.class), work);
    final Audit.Result result = Audit.run(new Audit.Inputs(config.processor().mapping(), config.mappingFile(),
        config.connector().tables(), config.processor().kafka().relations(), () -> config.connector().connect(),
        () -> DriverManager.getConnection(config.sink().jdbcUrl(), config.sink().user(), config.sink().password())),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    AuditReport.write(result, work.resolve("report"));
    final JsonNode report = JSON.readTree(work.resolve("report").resolve("audit.json").toFile());

    try (Connection legacy = env.legacy()) {
      final JsonNode customers = table(report, "public.customers");
      assertThat(customers.get("rows").asLong()).isEqualTo(count(legacy, "SELECT count(*) FROM customers"));
      final JsonNode region = column(customers, "region");
      assertThat(region.get("nulls").asLong()).isEqualTo(count(legacy, "SELECT count(*) FROM customers WHERE region IS "
          + "NULL"));
      assertThat(region.get("distinct").asLong()).isEqualTo(count(legacy, "SELECT count(DISTINCT region) FROM "
          + "customers"));
      final JsonNode country = column(customers, "country");
      assertThat(country.get("top").get(0).get("value").asText()).isEqualTo(text(legacy, "SELECT country FROM "
          + "customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"));
      assertThat(country.get("maxLength").asLong()).isEqualTo(count(legacy, "SELECT max(length(country)) FROM "
          + "customers"));
      assertThat(column(customers, "postal_code").get("looksLike").get("integer").asLong()).isEqualTo(count(legacy,
          "SELECT count(*) FROM customers WHERE postal_code ~ '^\\s*[-+]?[0-9]+\\s*$'"));
    }

    final JsonNode city = column(table(report, "public.customers"), "city");
    assertThat(city.get("blanks").asLong()).isEqualTo(2);
    final JsonNode cityRule = table(report, "public.customers").get("dryRun").get("byRule").get("city-required");
    assertThat(cityRule.get("rows").asLong()).isEqualTo(2);
    assertThat(cityRule.get("examples")).extracting(e -> e.get("key").asText()).containsExactlyInAnyOrder("BERGS",
        "BLAUS");
    final JsonNode promised = column(table(report, "public.orders"), "promised_text");
    assertThat(promised.get("nulls").asLong()).isEqualTo(830 - 16);
    assertThat(promised.get("looksLike").get("date dd.MM.yyyy").asLong()).isEqualTo(10);
    assertThat(promised.get("looksLike").get("date yyyy-MM-dd").asLong()).isEqualTo(5);
    final JsonNode promisedRule = table(report, "public.orders").get("dryRun").get("byRule").get("map.date");
    assertThat(promisedRule.get("rows").asLong()).isEqualTo(1);
    assertThat(promisedRule.get("examples").get(0).get("value").asText()).isEqualTo("12/31/2026");

    final JsonNode lines = table(report, "public.order_details").get("dryRun");
    assertThat(lines.get("rows").asLong()).isEqualTo(2155 + 4);
    assertThat(lines.get("refused").asLong()).isEqualTo(2);
    assertThat(lines.get("byRule").get("quantity-positive").get("rows").asLong()).isEqualTo(1);
    assertThat(lines.get("byRule").get("quantity-positive").get("examples").get(0).get("key").asText())
        .isEqualTo("10248|1");
    assertThat(lines.get("byRule").get("quantity-positive").get("examples").get(0).get("value").asText())
        .isEqualTo("-5");
    assertThat(lines.get("byRule").get("discount-range").get("rows").asLong()).isEqualTo(1);
    final JsonNode orders = table(report, "public.orders").get("dryRun");
    assertThat(orders.get("refused").asLong()).isEqualTo(1);
    // the warning rule ship-country-known fires for every order whose country has no ISO code
    assertThat(orders.get("warned").asLong()).isEqualTo(orders.get("byRule").path("ship-country-known").path("rows")
        .asLong());

    assertThat(finding(report, "relation", "public.order_details(order_id)").get("failing").asLong()).isEqualTo(1);
    assertThat(finding(report, "relation", "public.order_details(order_id)").get("examples").get(0).asText())
        .contains("32000");
    assertThat(finding(report, "foreign key", "-> product").get("failing").asLong()).isEqualTo(1);
    assertThat(finding(report, "foreign key", "-> sales_order").get("failing").asLong()).isEqualTo(1);
    assertThat(finding(report, "duplicate", "company-unique").get("failing").asLong()).isEqualTo(2);

    final String spec = Files.readString(work.resolve("report").resolve("migration-spec.md"));
    assertThat(spec).contains("## `public.orders` → `sales_order`").contains("`quantity-positive`")
        .contains("decimal with 2 digits, rounding half-even").contains("through lookup `countries`");
    final String html = Files.readString(work.resolve("report").resolve("audit.html"));
    assertThat(html).contains("public.order_details").contains("quantity-positive").doesNotContain("http");
    try (Connection target = env.target()) {
      assertThat(count(target, "SELECT count(*) FROM sales_order")).as("the audit writes nothing").isZero();
    }
  }

  /**
   * Columns of types PostgreSQL has no {@code min} for ({@code uuid}, {@code bytea}, {@code pg_lsn}) and of types whose
   * text order is not theirs (a domain over {@code numeric}, an enum): the audit profiles them all, each minimum and
   * maximum by the type's own order where it has one. It stopped at the first {@code uuid} column before, and at the
   * first {@code xid} one until session 39 (a type PostgreSQL cannot sort: its distinct values are not counted); a
   * composite column is profiled without them too, and a {@code varchar} one sorts as text.
   */
  @Test
  void profilesColumnsOfTypesWithoutMinimumAndTypesWhoseTextOrderIsNotTheirs() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_audit_types");
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      s.execute("CREATE DOMAIN score AS numeric(5,1)");
      s.execute("CREATE TYPE tier AS ENUM ('gold', 'silver', 'bronze')");
      s.execute("CREATE TYPE address AS (street text, city text)");
      s.execute("ALTER TABLE customers ADD COLUMN uid uuid, ADD COLUMN blob bytea, ADD COLUMN lsn pg_lsn, "
          + "ADD COLUMN rank score, ADD COLUMN level tier, ADD COLUMN active boolean, ADD COLUMN doc jsonb, "
          + "ADD COLUMN words tsvector, ADD COLUMN xact xid, ADD COLUMN home address");
      s.execute("UPDATE customers SET uid = md5(customer_id)::uuid, blob = decode(md5(customer_id), 'hex'), "
          + "lsn = '0/16B3748', rank = 9.5, level = 'bronze', active = true, doc = '{\"a\": 1}', "
          + "words = to_tsvector('simple', company_name), xact = '42', home = ROW(address, city)");
      s.execute("UPDATE customers SET rank = 10.0, level = 'gold', lsn = 'A/0' WHERE customer_id = 'ALFKI'");
    }
    final FerryConfig config = FerryConfig.resolve(env.source(), EnumSet.allOf(Role.class), work);
    final Audit.Result result = Audit.run(new Audit.Inputs(config.processor().mapping(), config.mappingFile(),
        config.connector().tables(), config.processor().kafka().relations(), () -> config.connector().connect(),
        null), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    AuditReport.write(result, work.resolve("report"));
    final JsonNode customers = table(JSON.readTree(work.resolve("report").resolve("audit.json").toFile()),
        "public.customers");
    try (Connection legacy = env.legacy()) {
      assertThat(column(customers, "uid").get("min").asText())
          .isEqualTo(text(legacy, "SELECT min(uid::text) FROM customers"));
      assertThat(column(customers, "uid").get("max").asText())
          .isEqualTo(text(legacy, "SELECT max(uid::text) FROM customers"));
      assertThat(column(customers, "uid").get("distinct").asLong()).isEqualTo(91);
      assertThat(column(customers, "blob").get("min").asText())
          .isEqualTo(text(legacy, "SELECT min(blob::text) FROM customers"));
    }
    assertThat(column(customers, "lsn").get("max").asText()).isEqualTo("A/0");
    // by number, not by text ("10.0" < "9.5"), and by the enum's declared order, not alphabetically
    assertThat(column(customers, "rank").get("min").asText()).isEqualTo("9.5");
    assertThat(column(customers, "rank").get("max").asText()).isEqualTo("10.0");
    assertThat(column(customers, "level").get("min").asText()).isEqualTo("gold");
    assertThat(column(customers, "level").get("max").asText()).isEqualTo("bronze");
    assertThat(column(customers, "active").get("nulls").asLong()).isZero();
    assertThat(column(customers, "words").get("nulls").asLong()).isZero();
    assertThat(column(customers, "xact").get("nulls").asLong()).isZero();
    assertThat(column(customers, "xact").get("distinct").asLong()).as("xid cannot be sorted: not counted").isEqualTo(-1);
    assertThat(column(customers, "home").get("nulls").asLong()).isZero();
    assertThat(column(customers, "company_name").get("distinct").asLong()).as("varchar, sorted as text")
        .isEqualTo(91);
  }

  private static JsonNode table(final JsonNode report, final String name) {
    for (final JsonNode t : report.get("tables")) {
      if (t.get("table").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no table " + name);
  }

  private static JsonNode column(final JsonNode table, final String name) {
    for (final JsonNode c : table.get("columns")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no column " + name);
  }

  private static JsonNode finding(final JsonNode report, final String kind, final String whatContains) {
    for (final JsonNode f : report.get("integrity")) {
      if (f.get("kind").asText().equals(kind) && f.get("what").asText().contains(whatContains)) {
        return f;
      }
    }
    throw new AssertionError("no " + kind + " finding about " + whatContains + " in " + report.get("integrity"));
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String text(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
