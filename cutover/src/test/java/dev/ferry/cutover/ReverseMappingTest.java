package dev.ferry.cutover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.config.YamlNode;
import dev.ferry.cutover.LegacyCatalog.Column;
import dev.ferry.cutover.ReverseMapping.Draft;
import dev.ferry.cutover.ReverseMapping.Finding;
import dev.ferry.cutover.ReverseMapping.Restored;
import dev.ferry.processor.mapping.ColumnMapping;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReverseMappingTest {
  private static final String FORWARD = """
      version: "t-1"
      lookups:
        countries: {values: {"Germany": "DE", "UK": "GB", "United Kingdom": "GB"}}
      tables:
        - source: public.customers
          target: customer
          filter: "row.customer_id != 'TEST1'"
          fields:
            code: {from: customer_id, type: text, trim: true}
            name: company_name
            first_name: {split: contact_name, separator: " ", part: first}
            last_name: {split: contact_name, separator: " ", part: rest}
            country_code: {from: country, lookup: countries}
            address: {concat: [street, city], separator: ", "}
            label: {expr: "row.company_name + ' / ' + row.region"}
            credit: {from: credit_limit, type: decimal, scale: 2}
            fax_number: {from: fax, empty-as-null: true}
      """;

  private static final LegacyCatalog CATALOG = new LegacyCatalog(Map.of("public.customers", List.of(
      new Column("customer_id", Types.CHAR, 0, true, true),
      new Column("company_name", Types.VARCHAR, 0, true, false),
      new Column("contact_name", Types.VARCHAR, 0, false, false),
      new Column("country", Types.VARCHAR, 0, false, false),
      new Column("street", Types.VARCHAR, 0, false, false),
      new Column("city", Types.VARCHAR, 0, false, false),
      new Column("region", Types.VARCHAR, 0, false, false),
      new Column("credit_limit", Types.NUMERIC, 4, false, false),
      new Column("fax", Types.VARCHAR, 0, false, false),
      new Column("legacy_flags", Types.INTEGER, 0, true, false))));

  private static Draft draft(final String forward, final LegacyCatalog catalog) {
    final Mapping parsed = MappingFile.parse(forward, "forward.yaml");
    return ReverseMapping.draft(YamlNode.parse(new StringReader(forward), "forward.yaml"), parsed, "public", catalog);
  }

  /** The position an append-only table is keyed by is no legacy column: it is not written back, and says why. */
  @Test
  void anAppendOnlyTableIsNotWrittenBackAndTheReviewSaysWhy() {
    final Draft d = draft("""
        tables:
          - source: public.history
            target: account_history
            fields: {position: ferry_position, delta: delta}
        """, new LegacyCatalog(Map.of("public.history", List.of(new Column("delta", Types.INTEGER, 0, false, false)))));
    assertThat(d.findings()).extracting(Finding::column).containsExactly("delta");
    assertThat(d.review()).singleElement().asString().startsWith("public.history is append-only")
        .contains("take it out of the reverse mapping");
  }

  @Test
  void everyLegacyColumnIsSaidToComeBackExactlyLossilyOrNotAtAllAndWhy() {
    final Map<String, Finding> byColumn = draft(FORWARD, CATALOG).findings().stream()
        .collect(Collectors.toMap(Finding::column, f -> f));
    assertThat(byColumn.keySet()).containsExactlyInAnyOrder("customer_id", "company_name", "contact_name", "country",
        "street", "city", "region", "credit_limit", "fax", "legacy_flags");
    assertThat(byColumn.get("company_name").restored()).isEqualTo(Restored.EXACT);
    assertThat(byColumn.get("customer_id").why()).contains("trim");
    assertThat(byColumn.get("contact_name").why()).contains("split at \" \" into first_name and last_name");
    assertThat(byColumn.get("country").why()).contains("[GB] each stand for several legacy codes");
    assertThat(byColumn.get("street").why()).startsWith("concatenated into address");
    assertThat(byColumn.get("credit_limit").why()).contains("digits beyond 2 were rounded");
    assertThat(byColumn.get("fax").why()).contains("empty-as-null");
    assertThat(byColumn.get("region").restored()).isEqualTo(Restored.NOT_RESTORED);
    assertThat(byColumn.get("region").why()).contains("derived by an expression");
    assertThat(byColumn.get("legacy_flags").restored()).isEqualTo(Restored.NOT_RESTORED);
    assertThat(byColumn.get("legacy_flags").why()).contains("REVIEW: it is NOT NULL without a default");
    assertThat(byColumn.values()).filteredOn(f -> f.restored() == Restored.LOSSY).extracting(Finding::column)
        .containsExactlyInAnyOrder("customer_id", "contact_name", "country", "street", "city", "credit_limit", "fax");
  }

  /** The draft is a mapping Ferry loads, and a row taken forward and back again comes back as the findings say. */
  @Test
  void theDraftLoadsAndARowTakenForwardAndBackComesBackAsTheFindingsSay() {
    final Draft d = draft(FORWARD, CATALOG);
    final String yaml = d.yaml();
    assertThat(yaml).contains("source: public.customer\n    target: public.customers\n")
        .contains("# REVIEW: GB stands for 2 legacy codes [UK, United Kingdom]; UK drafted")
        .contains("company_name: {from: name}   # exact")
        .contains("customer_id: {from: code, type: text}")
        .contains("credit_limit: {from: credit, type: decimal, scale: 4}")
        .contains("# region: not restored:")
        .contains("# rows the forward filter (row.customer_id != 'TEST1') left out");
    assertThat(d.rowNotes()).containsExactly("public.customers: rows the forward filter (row.customer_id != 'TEST1') "
        + "left out are not in the new system; the reverse leaves them as they are here");
    final Mapping reverse = MappingFile.parse(yaml, "reverse.yaml");
    final TableMapping back = reverse.forSource("public.customer").orElseThrow();
    final TableMapping there = MappingFile.parse(FORWARD, "forward.yaml").forSource("public.customers").orElseThrow();

    final List<ColumnValue> legacy = List.of(Columns.of("customer_id", "ALFKI"), Columns.of("company_name",
        "Alfreds Futterkiste"), Columns.of("contact_name", "Maria Anders"), Columns.of("country", "UK"),
        Columns.of("street", "Obere Str. 57"), Columns.of("city", "Berlin"), Columns.of("region", "West"),
        new ColumnValue("credit_limit", "1234.5678", null), Columns.of("fax", ""));
    final List<ColumnValue> now = apply(there, legacy);
    final List<ColumnValue> again = apply(back, now);
    assertThat(value(again, "customer_id")).isEqualTo("ALFKI");
    assertThat(value(again, "company_name")).isEqualTo("Alfreds Futterkiste");
    assertThat(value(again, "contact_name")).isEqualTo("Maria Anders");
    assertThat(value(again, "country")).isEqualTo("UK");
    assertThat(value(again, "street")).isEqualTo("Obere Str. 57");
    assertThat(value(again, "city")).isEqualTo("Berlin");
    assertThat(new BigDecimal(value(again, "credit_limit").toString())).isEqualByComparingTo("1234.57");
    assertThat(value(again, "fax")).isNull();
    assertThat(again).extracting(ColumnValue::getName).doesNotContain("region", "legacy_flags");
  }

  @Test
  void aLegacyKeyColumnTheNewSystemCannotGiveBackIsForReview() {
    final String forward = """
        tables:
          - source: public.items
            target: item
            fields:
              id: {expr: "row.prefix + '-' + string(row.number)"}
              qty: qty
        """;
    final LegacyCatalog catalog = new LegacyCatalog(Map.of("public.items", List.of(
        new Column("prefix", Types.VARCHAR, 0, true, true), new Column("number", Types.INTEGER, 0, true, true),
        new Column("qty", Types.INTEGER, 0, true, false))));
    final Draft d = draft(forward, catalog);
    assertThat(d.review()).containsExactly(
        "public.items.prefix is part of the legacy key and cannot be restored: the reverse cannot tell which legacy "
            + "row a change is about",
        "public.items.number is part of the legacy key and cannot be restored: the reverse cannot tell which legacy "
            + "row a change is about");
    assertThat(d.yaml()).contains("qty: {from: qty}   # exact");
  }

  /** The reverse mapping in use, not the draft, decides: a column it leaves out is not restored. */
  @Test
  void theRoundTripOfTheReverseMappingInUseNamesWhatItDoesNotWriteBack() {
    final Draft d = draft(FORWARD, CATALOG);
    final String edited = d.yaml().replace("      fax: {from: fax_number}\n", "")
        .replace("      company_name: {from: name}   # exact\n", "      company_name: {from: name}\n"
            + "      region: {expr: \"'none'\"}\n");
    assertThat(edited).doesNotContain("fax: {from");
    final Map<String, Finding> byColumn = ReverseMapping.roundTrip(d, MappingFile.parse(edited, "reverse.yaml"))
        .stream().collect(Collectors.toMap(Finding::column, f -> f));
    assertThat(byColumn.get("fax").restored()).isEqualTo(Restored.NOT_RESTORED);
    assertThat(byColumn.get("fax").why()).isEqualTo("the reverse mapping does not write it");
    assertThat(byColumn.get("region").restored()).isEqualTo(Restored.LOSSY);
    assertThat(byColumn.get("region").why()).startsWith("written by the reverse mapping though the forward one cannot");
    assertThat(byColumn.get("company_name").restored()).isEqualTo(Restored.EXACT);
    assertThat(byColumn.get("legacy_flags").restored()).isEqualTo(Restored.NOT_RESTORED);
  }

  private static List<ColumnValue> apply(final TableMapping t, final List<ColumnValue> row) {
    final List<ColumnValue> out = new ArrayList<>();
    for (final ColumnMapping c : t.columns()) {
      out.add(c.apply(row));
    }
    return out;
  }

  private static Object value(final List<ColumnValue> row, final String name) {
    final ColumnValue v = Columns.find(row, name);
    return v == null || v.getValue() == null ? null : v.getValue().toString();
  }
}
