package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.SourcePosition;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every field operation and rule kind on one customer row. */
class RowMapperTest {
  private static final String MAPPING = """
      version: "v"
      lookups:
        countries: {values: {Germany: DE, Mexico: MX}}
      tables:
        - source: public.customers
          target: customer
          filter: "row.customer_id != 'TEST1'"
          fields:
            code: {from: customer_id, type: text, trim: true}
            first_name: {split: contact_name, separator: " ", part: first}
            last_name: {split: contact_name, separator: " ", part: rest}
            address: {concat: [address, city], separator: ", "}
            country_code: {from: country, lookup: countries}
            label: {expr: "row.company_name + ' (' + row.customer_id + ')'"}
            since: {from: since, type: date, formats: ["dd.MM.yyyy", "yyyy-MM-dd"]}
            active: {from: active, type: boolean, default: "yes"}
            phone: {from: phone, pii: mask, keep-last: 2}
            email: {from: email, pii: pseudonymize}
            credit: {from: credit, type: decimal, scale: 2}
          rules:
            - {id: code-format, field: code, pattern: "[A-Z]{5}"}
            - {id: name-length, field: last_name, max-length: 10, severity: warning, assume: "shortened by the new system"}
            - {id: credit-range, field: credit, min: 0, max: 10000}
            - {id: country-allowed, field: country_code, allowed: [DE, MX]}
            - {id: active-needs-address, expr: "!row.active || row.address != null"}
      """;

  private final RowMapper mapper = new RowMapper(MappingFile.parse(MAPPING, "m.yaml",
      new MappingOptions(Path.of("."), true, "secret")));

  private static ChangeEvent customer(final String id, final String name, final String country, final String since,
      final Object credit) {
    final List<ColumnValue> key = List.of(Columns.of("customer_id", id));
    return ChangeEvent.newBuilder().setOp(ChangeOp.UPDATE)
        .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable("customers")
            .setLsn(77L).setTxId("5").setSnapshot(false).setTsMs(1L).build())
        .setKey(key)
        .setAfter(List.of(Columns.of("customer_id", id), Columns.of("contact_name", name),
            Columns.of("company_name", "Alfreds"), Columns.of("address", "Obere Str. 57"), Columns.of("city", "Berlin"),
            Columns.of("country", country), Columns.of("since", since), Columns.of("active", null),
            Columns.of("phone", "030-0074321"), Columns.of("email", "maria@example.com"), Columns.of("credit", credit)))
        .build();
  }

  /** A change without a key (a legacy table without a primary key) is refused, never written with an empty key. */
  @Test
  void aChangeWithoutAKeyIsRefusedNotMappedToAnEmptyKey() {
    final ChangeEvent keyless = customer("ALFKI", "Maria de la Cruz", "Germany", "04.07.1996", 12.5f);
    keyless.setKey(List.of());
    final RowMapper.Mapped m = mapper.map(keyless);
    assertThat(m.record()).isNull();
    assertThat(m.errors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("map.key");
      assertThat(e.getMessage()).contains("carries no key", "no primary key");
      assertThat(e.getResolution()).contains("declare a primary key");
    });
  }

  /**
   * An append-only table's insert is keyed by its position (the column the capture adds); its update or delete names
   * no target row and is refused with why, never applied to a row guessed from its values.
   */
  @Test
  void anAppendOnlyTablesInsertIsKeyedByItsPositionAndItsDeleteIsRefused() {
    final RowMapper history = new RowMapper(MappingFile.parse("""
        tables:
          - source: public.history
            target: account_history
            fields: {position: ferry_position, delta: delta}
        """, "m.yaml", new MappingOptions(Path.of("."), false, "")));
    final ChangeEvent insert = ChangeEvent.newBuilder().setOp(ChangeOp.CREATE)
        .setSource(SourcePosition.newBuilder().setDatabase("db").setSchema$("public").setTable("history")
            .setLsn(0x1900FE0L).setTxId("7").setTxOrder(2L).setSnapshot(false).setTsMs(1L).build())
        .setKey(List.of()).setAfter(List.of(Columns.of("delta", 5))).build();
    LegacyPosition.keyed(insert, LegacyPosition.streamed(0x1900FE0L, 2));
    final RowMapper.Mapped mapped = history.map(insert, NaturalKeys.NONE, 0x1901000L);
    assertThat(mapped.errors()).isEmpty();
    assertThat(mapped.record().getKey()).extracting(ColumnValue::getName, ColumnValue::getValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("position", "0000000001900FE0.0000000002"));
    assertThat(mapped.record().getRow()).extracting(ColumnValue::getName).containsExactly("position", "delta");

    final ChangeEvent delete = ChangeEvent.newBuilder(insert).setOp(ChangeOp.DELETE)
        .setBefore(insert.getAfter()).setAfter(null).build();
    LegacyPosition.keyed(delete, LegacyPosition.streamed(0x1A00000L, 1));
    final RowMapper.Mapped refused = history.map(delete, NaturalKeys.NONE, 0x1A00100L);
    assertThat(refused.record()).isNull();
    assertThat(refused.errors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("map.append-only");
      assertThat(e.getSeverity()).isEqualTo(Severity.ERROR);
      assertThat(e.getMessage()).startsWith("DELETE of public.history").contains("a DELETE names none of them");
    });
  }

  /**
   * In a run that protects personal data, a value of a pii field that fails its conversion shows in the dead letter
   * (its value and its message) as the protection turns it, never as it is.
   */
  @Test
  void aPiiValueThatFailsItsConversionIsShownProtectedInTheDeadLetter() {
    final RowMapper m = new RowMapper(MappingFile.parse(String.join("\n",
        "tables:",
        "  - source: public.customers",
        "    target: customer",
        "    fields:",
        "      code: customer_id",
        "      phone: {from: phone, type: integer, pii: mask, keep-last: 2}"), "m.yaml",
        new MappingOptions(Path.of("."), true, "secret")));
    final RowMapper.Mapped mapped = m.map(customer("ALFKI", "A B", "Germany", "1996-07-04", 1));
    assertThat(mapped.errors()).singleElement().satisfies(e -> {
      assertThat(e.getField()).isEqualTo("phone");
      assertThat(e.getValue()).isEqualTo("*********21");
      assertThat(e.getMessage()).doesNotContain("030-0074321");
    });
  }

  @Test
  void everyOperationGivesTheTargetValue() {
    final RowMapper.Mapped m = mapper.map(customer("ALFKI ", "Maria de la Cruz", "Germany", "04.07.1996", 12.5f));
    assertThat(m.errors()).isEmpty();
    assertThat(m.warnings()).isEmpty();
    final List<ColumnValue> row = m.record().getRow();
    assertThat(Columns.find(row, "code").getValue()).isEqualTo("ALFKI");
    assertThat(Columns.find(row, "first_name").getValue()).isEqualTo("Maria");
    assertThat(Columns.find(row, "last_name").getValue()).isEqualTo("de la Cruz");
    assertThat(Columns.find(row, "address").getValue()).isEqualTo("Obere Str. 57, Berlin");
    assertThat(Columns.find(row, "country_code").getValue()).isEqualTo("DE");
    assertThat(Columns.find(row, "label").getValue()).isEqualTo("Alfreds (ALFKI )");
    assertThat(Columns.find(row, "since")).isEqualTo(new ColumnValue("since", 9681, "date"));
    assertThat(Columns.find(row, "active").getValue()).isEqualTo(true);
    assertThat(Columns.find(row, "phone").getValue()).isEqualTo("*********21");
    assertThat(Columns.find(row, "email").getValue()).asString().hasSize(16).doesNotContain("maria");
    assertThat(Columns.find(row, "credit")).isEqualTo(new ColumnValue("credit", "12.50", "decimal"));
    assertThat(m.record().getKey()).containsExactly(new ColumnValue("code", "ALFKI", null));
  }

  @Test
  void pseudonymsAreStableSoJoinsStillWork() {
    final Object a = Columns.find(mapper.map(customer("ALFKI", "A B", "Germany", "1996-07-04", 1)).record().getRow(),
        "email").getValue();
    final Object b = Columns.find(mapper.map(customer("ANATR", "C D", "Mexico", "1996-07-04", 1)).record().getRow(),
        "email").getValue();
    assertThat(a).isEqualTo(b);
  }

  @Test
  void everyBrokenFieldOfARowIsReportedWithItsValue() {
    final RowMapper.Mapped m = mapper.map(customer("ALFKI", "Maria Anders", "Atlantis", "31.02.1996", "lots"));
    assertThat(m.record()).isNull();
    assertThat(m.errors()).extracting(RecordError::getRule, RecordError::getField, RecordError::getValue)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("lookup.countries", "country_code", "Atlantis"),
            org.assertj.core.groups.Tuple.tuple("map.date", "since", "31.02.1996"),
            org.assertj.core.groups.Tuple.tuple("map.decimal", "credit", "lots"));
    assertThat(m.errors()).allMatch(e -> e.getSeverity() == Severity.ERROR && e.getResolution() != null);
  }

  @Test
  void rulesGiveErrorsAndWarningsWithTheAssumption() {
    final RowMapper.Mapped bad = mapper.map(customer("alfki", "Maria Anders", "Germany", "1996-07-04", 20000));
    assertThat(bad.record()).isNull();
    assertThat(bad.errors()).extracting(RecordError::getRule).containsExactlyInAnyOrder("code-format", "credit-range");
    assertThat(bad.errors()).filteredOn(e -> e.getRule().equals("credit-range")).first()
        .satisfies(e -> assertThat(e.getMessage()).isEqualTo("credit is above the maximum 10000"));

    final RowMapper.Mapped warned = mapper.map(customer("ALFKI", "Maria Anderssonsdottir", "Germany", "1996-07-04", 1));
    assertThat(warned.record()).isNotNull();
    assertThat(warned.warnings()).singleElement().satisfies(w -> {
      assertThat(w.getRule()).isEqualTo("name-length");
      assertThat(w.getSeverity()).isEqualTo(Severity.WARNING);
      assertThat(w.getValue()).isEqualTo("Anderssonsdottir");
      assertThat(w.getMessage()).isEqualTo(
          "last_name is 16 characters long, more than 10; assumed: shortened by the new system");
    });
  }

  @Test
  void theRemainingRuleKindsNameTheirViolation() {
    final RowMapper m = new RowMapper(MappingFile.parse(String.join("\n",
        "lookups:",
        "  shippers: {values: {\"1\": SPEEDY, \"2\": UNITED}}",
        "tables:",
        "  - source: public.customers",
        "    target: customer",
        "    fields:",
        "      code: customer_id",
        "      name: company_name",
        "      shipper: {from: phone}",
        "      country: {from: country}",
        "    rules:",
        "      - {id: name-required, field: name, required: true}",
        "      - {id: code-long-enough, field: code, min-length: 5}",
        "      - {id: country-allowed, field: country, allowed: [Germany, France]}",
        "      - {id: shipper-known, field: shipper, in-lookup: shippers}"), "m.yaml"));
    final ChangeEvent e = ChangeEvent.newBuilder(customer("ALF", null, "Spain", "1996-07-04", 1))
        .setAfter(List.of(Columns.of("customer_id", "ALF"), Columns.of("company_name", null),
            Columns.of("phone", "7"), Columns.of("country", "Spain")))
        .build();
    assertThat(m.map(e).errors()).extracting(RecordError::getRule, RecordError::getMessage).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple("name-required", "name is required but empty"),
        org.assertj.core.groups.Tuple.tuple("code-long-enough", "code is 3 characters long, less than 5"),
        org.assertj.core.groups.Tuple.tuple("country-allowed", "country is not one of [France, Germany]"),
        org.assertj.core.groups.Tuple.tuple("shipper-known", "shipper is not in lookup shippers"));
  }

  @Test
  void aBusinessRuleOverTheWholeRowNamesTheRule() {
    final ChangeEvent noAddress = ChangeEvent.newBuilder(customer("ALFKI", "Maria Anders", "Germany", "1996-07-04", 1))
        .setAfter(List.of(Columns.of("customer_id", "ALFKI"), Columns.of("contact_name", "Maria Anders"),
            Columns.of("company_name", "Alfreds"), Columns.of("address", null), Columns.of("city", " "),
            Columns.of("country", "Germany"), Columns.of("since", "1996-07-04"), Columns.of("active", "y"),
            Columns.of("phone", null), Columns.of("email", null), Columns.of("credit", 1)))
        .build();
    assertThat(mapper.map(noAddress).errors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("active-needs-address");
      assertThat(e.getField()).isNull();
      assertThat(e.getMessage()).isEqualTo("the row breaks the rule !row.active || row.address != null");
    });
  }

  @Test
  void aColumnTheSourceDidNotSendLeavesItsFieldOutInsteadOfWritingNull() {
    final RowMapper m = new RowMapper(MappingFile.parse(String.join("\n",
        "tables:",
        "  - source: public.customers",
        "    target: customer",
        "    fields:",
        "      code: customer_id",
        "      notes: {from: notes, type: text}",
        "      label: {concat: [customer_id, notes]}",
        "    rules:",
        "      - {id: notes-required, field: notes, required: true}"), "m.yaml"));
    final ChangeEvent unchangedNotes = ChangeEvent.newBuilder(customer("ALFKI", "A B", "Germany", "1996-07-04", 1))
        .setAfter(List.of(Columns.of("customer_id", "ALFKI"))).setUnchanged(List.of("notes")).build();
    final RowMapper.Mapped mapped = m.map(unchangedNotes);
    assertThat(mapped.errors()).isEmpty();
    assertThat(mapped.record().getRow()).containsExactly(Columns.of("code", "ALFKI"));

    // the same change without saying notes is unchanged: notes is gone from the legacy table (dropped or renamed),
    // so the row is refused, naming the column, instead of written with the target's notes left as they were
    final ChangeEvent notesGone = ChangeEvent.newBuilder(unchangedNotes).setUnchanged(List.of()).build();
    final RowMapper.Mapped refused = m.map(notesGone);
    assertThat(refused.record()).isNull();
    assertThat(refused.errors()).extracting(e -> e.getRule() + " " + e.getField() + " " + e.getValue())
        .containsExactly("ddl.column-missing notes notes", "ddl.column-missing label notes");
    assertThat(refused.errors().get(0).getMessage()).contains("dropped or renamed in the legacy database");
  }

  @Test
  void aRowOutsideTheFilterIsRemovedFromTheTarget() {
    final RowMapper.Mapped m = mapper.map(customer("TEST1", "X Y", "Germany", "1996-07-04", 1));
    assertThat(m.record().getOp()).isEqualTo(ApplyOp.DELETE);
    assertThat(m.record().getKey()).containsExactly(new ColumnValue("code", "TEST1", null));
  }
}
