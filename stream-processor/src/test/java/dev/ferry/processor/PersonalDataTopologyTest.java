package dev.ferry.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.processor.mapping.MappingOptions;
import dev.ferry.processor.mapping.PersonalData;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In a run that protects personal data, a dead letter's replayable change carries a protected field's source value
 * protected, never as captured; replayed, the row reaches the target as it would have.
 */
class PersonalDataTopologyTest {
  private static final String MAPPING = String.join("\n",
      "tables:",
      "  - source: public.customers",
      "    target: customer",
      "    fields:",
      "      code: customer_id",
      "      contact: contact_name",
      "      phone: {from: phone, pii: mask, keep-last: 2}",
      "      email: {from: email, pii: pseudonymize}",
      "      credit: {from: credit, type: decimal, scale: 2}",
      "    rules:",
      "      - {id: credit-range, field: credit, min: 0}");
  private final dev.ferry.processor.mapping.Mapping mapping = MappingFile.parse(MAPPING, "m.yaml",
      new MappingOptions(Path.of("."), true, "secret"));
  private final TopologyFixture f = new TopologyFixture(mapping);

  @AfterEach
  void close() {
    f.close();
  }

  private static ChangeEvent customer(final Object credit) {
    return ChangeEvent.newBuilder().setOp(ChangeOp.CREATE)
        .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable("customers")
            .setLsn(77L).setTxId(null).setSnapshot(false).setTsMs(1L).build())
        .setKey(List.of(Columns.of("customer_id", "ALFKI")))
        .setAfter(List.of(Columns.of("customer_id", "ALFKI"), Columns.of("contact_name", "Maria Anders"),
            Columns.of("phone", "030-0074321"), Columns.of("email", "maria@example.com"), Columns.of("credit", credit)))
        .build();
  }

  @Test
  void aDeadLettersReplayableChangeCarriesPersonalDataProtected() {
    f.send(customer(-5));
    final DeadLetter letter = f.deadLetters.readValue();
    final byte[] bytes = new byte[letter.getOriginalValue().remaining()];
    letter.getOriginalValue().duplicate().get(bytes);
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("030-0074321")
        .doesNotContain("maria@example.com").contains("Maria Anders").contains("ALFKI");

    final ChangeEvent kept = f.topics.changeSerde().decode(letter.getTopic(), bytes);
    assertThat(Columns.find(kept.getAfter(), "phone")).isEqualTo(new ColumnValue("phone", "*********21",
        PersonalData.PROTECTED));
    // replayed once the credit is fixed: the row is what it would have been, not protected twice
    Columns.find(kept.getAfter(), "credit").setValue(5);
    final RowMapper mapper = new RowMapper(mapping);
    final List<ColumnValue> replayed = mapper.map(kept).record().getRow();
    final List<ColumnValue> direct = mapper.map(customer(5)).record().getRow();
    assertThat(replayed).isEqualTo(direct);
    assertThat(Columns.find(replayed, "email").getValue()).asString().hasSize(16).doesNotContain("maria");
  }

  @Test
  void aChangeOfATableWithoutPersonalDataIsKeptAsCaptured() {
    final ChangeEvent e = customer(1);
    e.getSource().setTable("orders");
    assertThat(new PersonalData(mapping).sealed(e)).isSameAs(e);
  }
}
