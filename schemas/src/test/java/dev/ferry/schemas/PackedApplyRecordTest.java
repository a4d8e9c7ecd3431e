package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The sink's packed form of an apply record: the same record back, its row's values read from the bytes. */
class PackedApplyRecordTest {
  /** Collects the values {@link PackedApplyRecord#writeRow} hands over, as the objects a decoded row holds. */
  private static final class Collected implements PackedApplyRecord.RowValues {
    private final List<Object> values = new ArrayList<>();
    private final List<String> logicals = new ArrayList<>();

    @Override
    public void nullValue() {
      values.add(null);
      logicals.add(null);
    }

    @Override
    public void integer(final long value, final String logical) {
      values.add(value);
      logicals.add(logical);
    }

    @Override
    public void bool(final boolean value) {
      values.add(value);
      logicals.add(null);
    }

    @Override
    public void text(final byte[] utf8, final int offset, final int length) {
      values.add(new String(utf8, offset, length, StandardCharsets.UTF_8));
      logicals.add("(text)");
    }

    @Override
    public void other(final ColumnValue value) {
      values.add(value.getValue());
      logicals.add(value.getLogical());
    }
  }

  /** What {@link Collected} should hold for {@code row}: ints widened to long, text as text. */
  private static void assertSameValues(final Collected got, final List<ColumnValue> row) {
    assertThat(got.values).hasSameSizeAs(row);
    for (int i = 0; i < row.size(); i++) {
      final ColumnValue c = row.get(i);
      final Object expected = c.getValue() instanceof Integer n ? Long.valueOf(n) : c.getValue();
      assertThat(got.values.get(i)).as("column %s", c.getName()).isEqualTo(expected);
      if (c.getValue() instanceof String && !LogicalValues.isTemporal(c.getLogical())) {
        assertThat(got.logicals.get(i)).isEqualTo("(text)");
      } else if (c.getValue() != null) {
        assertThat(got.logicals.get(i)).isEqualTo(c.getLogical());
      }
    }
  }

  @Test
  void packsToTheSameRecordAndHandsOverEveryRowValue() {
    final Random random = new Random(17);
    for (int i = 0; i < 2_000; i++) {
      final ApplyRecord original = ApplyRecordReaderTest.random(random);
      final PackedApplyRecord packed = PackedApplyRecord.pack(original);
      assertThat(packed.unpack()).isEqualTo(original);
      assertThat(packed.table()).isEqualTo(original.getTable());
      assertThat(packed.op()).isEqualTo(original.getOp());
      assertThat(packed.key()).isEqualTo(original.getKey());
      assertThat(packed.version()).isEqualTo(original.getVersion());
      assertThat(packed.sourceTsMs()).isEqualTo(original.getSourceTsMs());
      assertThat(packed.endsGroup()).isEqualTo(original.getGroup() == null
          || original.getGroupIndex() >= original.getGroupSize() - 1);
      final Collected row = new Collected();
      packed.writeRow(row);
      if (original.getRow() == null) {
        assertThat(packed.columns()).isNull();
        assertThat(row.values).isEmpty();
      } else {
        assertThat(packed.columns()).isEqualTo(original.getRow().stream().map(ColumnValue::getName).toList());
        assertSameValues(row, original.getRow());
      }
    }
  }

  @Test
  void rowsOfOneShapeShareTheirColumnList() {
    final ApplyRecord a = ApplyRecord.newBuilder().setTable("order_line").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 1))).setRow(List.of(Columns.of("id", 1), Columns.of("qty", 5)))
        .setVersion(1L).setSourceTable("public.order_line").setSourceTsMs(0L).build();
    final ApplyRecord b = ApplyRecord.newBuilder(a).setKey(List.of(Columns.of("id", 2)))
        .setRow(List.of(Columns.of("id", 2), Columns.of("qty", 7))).build();
    final ApplyRecord other = ApplyRecord.newBuilder(a).setRow(List.of(Columns.of("id", 1))).build();
    final List<String> first = PackedApplyRecord.pack(a).columns();
    assertThat(PackedApplyRecord.pack(b).columns()).isSameAs(first);
    assertThat(PackedApplyRecord.pack(other).columns()).isEqualTo(List.of("id")).isNotSameAs(first);
    // a shape seen before is found again after another one came between
    assertThat(PackedApplyRecord.pack(b).columns()).isSameAs(first);
  }

  @Test
  void readsTheWireFormatWithTheOwnSchemaOrAnOlderOne() throws IOException {
    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final FerryTopics topics = new FerryTopics("p", registry);
    final ApplyRecord r = ApplyRecordReaderTest.random(new Random(23));
    final byte[] wire = topics.apply().valueSerde().serializer().serialize("p.apply", r);
    final PackedApplyRecord own = PackedApplyRecord.read(topics, "p.apply", wire);
    assertThat(own.unpack()).isEqualTo(r);

    final Schema older = ApplyRecordReaderTest.OLDER_SCHEMA;
    final int id = registry.register("p.apply-value", older);
    final GenericRecord g = new GenericData.Record(older);
    g.put("table", "item");
    g.put("op", new GenericData.EnumSymbol(ApplyOp.getClassSchema(), "UPSERT"));
    g.put("key", List.of(Columns.of("id", 1)));
    g.put("row", List.of(Columns.of("id", 1), Columns.of("name", "tab\there")));
    g.put("version", 9L);
    g.put("sourceTable", "public.item");
    g.put("sourceTsMs", 3L);
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    final BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(older, new org.apache.avro.specific.SpecificData()).write(g, e);
    e.flush();
    final PackedApplyRecord resolved = PackedApplyRecord.read(topics, "p.apply", out.toByteArray());
    assertThat(resolved.table()).isEqualTo("item");
    assertThat(resolved.version()).isEqualTo(9L);
    assertThat(resolved.endsGroup()).isTrue();
    assertThat(resolved.columns()).containsExactly("id", "name");
    final Collected row = new Collected();
    resolved.writeRow(row);
    assertThat(row.values).containsExactly(1L, "tab\there");

    assertThatThrownBy(() -> PackedApplyRecord.read(topics, "p.apply", new byte[] {1, 2, 3}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("wire format");
    final byte[] truncated = java.util.Arrays.copyOf(wire, wire.length - 1);
    assertThatThrownBy(() -> PackedApplyRecord.read(topics, "p.apply", truncated))
        .isInstanceOf(SerializationException.class);
  }
}
