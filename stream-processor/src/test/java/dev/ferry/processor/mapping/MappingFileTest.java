package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappingFileTest {
  @TempDir
  Path dir;

  @Test
  void readsFieldsLookupsAndRules() throws Exception {
    Files.writeString(dir.resolve("countries.csv"), "name,iso2\nGermany,DE\n\"Korea, Republic of\",KR\n");
    final Mapping m = MappingFile.parse("""
        version: "7"
        lookups:
          countries: {file: countries.csv, key: name, value: iso2}
          shippers: {values: {"1": SPEEDY}}
        tables:
          - source: public.customers
            target: customer
            filter: "row.customer_id != 'TEST1'"
            fields:
              code: {from: customer_id, type: text, trim: true}
              country_code: {from: country, lookup: countries}
            rules:
              - {id: code-length, field: code, max-length: 5}
        """, "m.yaml", MappingOptions.defaults(dir));
    assertThat(m.version()).isEqualTo("7");
    assertThat(m.lookups().get("countries").values()).containsEntry("Germany", "DE")
        .containsEntry("Korea, Republic of", "KR");
    final TableMapping t = m.forSource("public.customers").orElseThrow();
    assertThat(t.targetTable()).isEqualTo("customer");
    assertThat(t.columns()).extracting(ColumnMapping::target).containsExactly("code", "country_code");
    assertThat(t.rules()).extracting(Rule::id).containsExactly("code-length");
    assertThat(t.filter().text()).isEqualTo("row.customer_id != 'TEST1'");
  }

  /** A table PostgreSQL takes only quoted (a space, any letters) is a source; a name without its schema is not. */
  @Test
  void aSourceIsAnySchemaAndTableNameButNeedsBoth() throws Exception {
    final Mapping quoted = MappingFile.parse("""
        tables:
          - source: Verkauf.Order Details
            target: sales_order_line
            fields: {order_id: Nr}
          - source: Verkauf.Bestellungen_Größe
            target: sales_order
            fields: {id: Nr}
        """, "mapping.yaml");
    assertThat(quoted.sourceTables()).containsExactlyInAnyOrder("Verkauf.Order Details", "Verkauf.Bestellungen_Größe");
    for (final String bad : List.of("orders", "public.", ".orders", "a.b.c")) {
      assertThatThrownBy(() -> MappingFile.parse("tables:\n  - source: \"" + bad + "\"\n    target: t\n    fields: "
          + "{id: id}\n", "mapping.yaml")).as(bad).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(
              e.problems().get(0).toString()).contains("expected schema.table"));
    }
  }

  /** A mapping with five deliberate mistakes gives five clear errors in one run, each with its line. */
  @Test
  void fiveMistakesGiveFiveErrorsWithFileLineAndPath() {
    final String yaml = """
        version: "broken"
        lookups:
          countries: {values: {Germany: DE}}
        tables:
          - source: public.orders
            target: sales_order
            fields:
              id: order_id
              freight: {from: freight, type: money}
              country: {from: ship_country, lookup: contries}
              total: {expr: "row.freight *"}
            rules:
              - {id: id-known, field: identifier, required: true}
              - {id: freight-max, field: freight, max: lots}
        """;
    assertThatThrownBy(() -> MappingFile.parse(yaml, "mapping.yaml"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::toString).satisfiesExactly(
                p -> assertThat(p).startsWith("mapping.yaml:9: tables[0].fields.freight.type = 'money': "
                    + "'money' is not one of as-is, decimal, integer, text, date, timestamp, boolean"),
                p -> assertThat(p).startsWith("mapping.yaml:10: tables[0].fields.country.lookup = 'contries': "
                    + "unknown lookup; defined: [countries]"),
                p -> assertThat(p).startsWith("mapping.yaml:11: tables[0].fields.total.expr = 'row.freight *': "
                    + "not a valid expression"),
                p -> assertThat(p).startsWith("mapping.yaml:13: tables[0].rules[0].field = 'identifier': "
                    + "not a field of this table; fields: [country, freight, id]"),
                p -> assertThat(p).startsWith("mapping.yaml:14: tables[0].rules[1].max = 'lots': expected a number")));
  }

  @Test
  void aLookupFileMissingItsColumnIsReportedWithTheColumns() throws Exception {
    Files.writeString(dir.resolve("c.csv"), "country,code\nGermany,DE\n");
    assertThatThrownBy(() -> MappingFile.parse("""
        lookups:
          countries: {file: c.csv, key: name, value: iso2}
        tables:
          - {source: public.t, target: t, fields: {a: a}}
        """, "m.yaml", MappingOptions.defaults(dir)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems().get(0).message())
            .isEqualTo("CSV c.csv has no column 'name' in its header [country, code]"));
  }

  @Test
  void pseudonymizationWithoutAKeyIsAProblemOnlyWhenPiiIsProtected() {
    final String yaml = "tables:\n  - {source: public.t, target: t, fields: {email: {from: email, pii: pseudonymize}}}\n";
    assertThat(MappingFile.parse(yaml, "m.yaml")).isNotNull();
    assertThatThrownBy(() -> MappingFile.parse(yaml, "m.yaml", new MappingOptions(dir, true, "")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems().get(0).message())
            .contains("processor.pseudonymization-key"));
  }
}
