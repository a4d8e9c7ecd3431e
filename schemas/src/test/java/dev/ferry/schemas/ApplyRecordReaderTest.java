package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ApplyRecordReaderTest {
  /** An ApplyRecord schema without the group fields, as an older producer may have registered it. */
  static final Schema OLDER_SCHEMA = SchemaBuilder.record("ApplyRecord").namespace("dev.ferry.schemas").fields()
      .requiredString("table")
      .name("op").type(ApplyOp.getClassSchema()).noDefault()
      .name("key").type().array().items(ColumnValue.getClassSchema()).noDefault()
      .name("row").type().optional().array().items(ColumnValue.getClassSchema())
      .requiredLong("version").requiredString("sourceTable").optionalString("sourceTxId").requiredLong("sourceTsMs")
      .endRecord();

  private final ApplyRecordReader reader = new ApplyRecordReader();

  static byte[] avro(final ApplyRecord r) throws IOException {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(ApplyRecord.getClassSchema()).write(r, e);
    e.flush();
    return out.toByteArray();
  }

  private static ApplyRecord avroReads(final byte[] bytes) throws IOException {
    final BinaryDecoder d = DecoderFactory.get().binaryDecoder(bytes, null);
    return new SpecificDatumReader<ApplyRecord>(ApplyRecord.getClassSchema()).read(null, d);
  }

  private static Object value(final Random random) {
    return switch (random.nextInt(9)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextInt();
      case 3 -> random.nextLong();
      case 4 -> random.nextFloat() * 1e6f - 5e5f;
      case 5 -> random.nextDouble() * -1e300;
      case 6 -> "t\u00e9xt \u2603 " + random.nextInt();
      case 7 -> ByteBuffer.wrap(new byte[] {(byte) random.nextInt(), 0, (byte) 0xff});
      default -> (long) random.nextInt(64) << random.nextInt(60);
    };
  }

  static ApplyRecord random(final Random random) {
    final List<ColumnValue> key = List.of(Columns.of("order_id", random.nextInt()),
        Columns.of("line_no", random.nextInt(5)));
    final List<ColumnValue> row = new ArrayList<>(key);
    for (int c = 0; c < random.nextInt(12); c++) {
      row.add(new ColumnValue("col_" + random.nextInt(30), value(random),
          random.nextBoolean() ? null : List.of("decimal", "date", "json").get(random.nextInt(3))));
    }
    final int kind = random.nextInt(10);
    final boolean delete = kind < 2;
    final boolean sweep = kind == 2;
    return new ApplyRecord("tbl_" + random.nextInt(3), sweep ? ApplyOp.SWEEP : delete ? ApplyOp.DELETE : ApplyOp.UPSERT,
        sweep ? new ArrayList<>() : key, delete || sweep ? null : row, random.nextLong(), "public.src",
        random.nextBoolean() ? null : "tx" + random.nextInt(), random.nextLong(),
        random.nextBoolean() ? null : "g/" + random.nextInt(), 1 + random.nextInt(9), random.nextInt(9),
        sweep ? new SnapshotSweep("s" + random.nextInt(), List.of("tbl_0", "tbl_" + random.nextInt(3)),
            random.nextLong(), random.nextInt(3), 3) : null);
  }

  @Test
  void readsWhatAvrosReaderReadsForEveryValueKind() throws IOException {
    final Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      final ApplyRecord original = random(random);
      final byte[] bytes = avro(original);
      final ApplyRecord direct = reader.read(bytes, 0, bytes.length);
      assertThat(direct).isEqualTo(avroReads(bytes)).isEqualTo(original);
    }
  }

  @Test
  void readsAtAnOffsetAndSharesOneStringPerIdentifier() throws IOException {
    final Random random = new Random(3);
    final ApplyRecord r = random(random);
    final byte[] bytes = avro(r);
    final byte[] framed = new byte[bytes.length + 7];
    System.arraycopy(bytes, 0, framed, 5, bytes.length);
    final ApplyRecord a = reader.read(framed, 5, bytes.length);
    final ApplyRecord b = reader.read(framed, 5, bytes.length);
    assertThat(a).isEqualTo(r);
    assertThat(a.getKey().get(0).getName()).isSameAs(b.getKey().get(0).getName());
    assertThat(a.getTable()).isSameAs(b.getTable());
  }

  @Test
  void readsArraysWrittenInSizedBlocks() throws IOException {
    // Avro writers may split an array into blocks with negative counts and byte sizes; a reader must take both
    final ApplyRecord r = random(new Random(11));
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final BinaryEncoder e = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
    new SpecificDatumWriter<>(ApplyRecord.getClassSchema()).write(r, e);
    e.flush();
    final byte[] bytes = out.toByteArray();
    assertThat(bytes).isNotEqualTo(avro(r));
    assertThat(reader.read(bytes, 0, bytes.length)).isEqualTo(r);
  }

  @Test
  void refusesTruncatedAndOverlongInput() throws IOException {
    final byte[] bytes = avro(random(new Random(5)));
    assertThatThrownBy(() -> reader.read(bytes, 0, bytes.length - 1)).isInstanceOf(IllegalArgumentException.class);
    final byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> reader.read(longer, 0, longer.length)).hasMessageContaining("bytes left");
  }

  @Test
  void refusesAColumnCountLargerThanTheBytesLeft() {
    // table "t" (length 1), op 0, then a key array claiming a billion columns
    final byte[] bytes = {2, 't', 0, (byte) 0x80, (byte) 0xa8, (byte) 0xd6, (byte) 0xb9, 0x07};
    assertThatThrownBy(() -> reader.read(bytes, 0, bytes.length)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("columns past the end");
  }

  @Test
  void aRowHoldsItsKeyColumnsAsTheKeysOwnObjects() throws IOException {
    final ApplyRecord r = ApplyRecord.newBuilder().setTable("order_line").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("order_id", 10248), Columns.of("product_id", 11)))
        .setRow(List.of(Columns.of("order_id", 10248), Columns.of("product_id", 12), Columns.of("qty", 5)))
        .setVersion(1L).setSourceTable("public.order_details").setSourceTsMs(0L).build();
    final byte[] bytes = avro(r);
    final ApplyRecord a = reader.read(bytes, 0, bytes.length);
    assertThat(a).isEqualTo(r);
    assertThat(a.getRow().get(0)).isSameAs(a.getKey().get(0));
    // a value that differs from the key's (an update of a key column) stays its own
    assertThat(a.getRow().get(1)).isNotSameAs(a.getKey().get(1));
    assertThat(a.getRow().get(1).getValue()).isEqualTo(12);
  }

  @Test
  void keepsABoundedNumberOfIdentifiers() {
    final ApplyRecordReader.Identifiers ids = new ApplyRecordReader.Identifiers();
    for (int i = 0; i < ApplyRecordReader.MAX_IDENTIFIERS + 100; i++) {
      final byte[] name = ("c" + i).getBytes(StandardCharsets.UTF_8);
      assertThat(ids.get(name, 0, name.length)).isEqualTo("c" + i);
    }
    assertThat(ids.size()).isEqualTo(ApplyRecordReader.MAX_IDENTIFIERS);
  }

  @Test
  void theSerdeStillResolvesRecordsWrittenWithAnOlderSchema() throws IOException {
    final Schema older = OLDER_SCHEMA;
    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final int id = registry.register("t-value", older);
    final GenericRecord g = new GenericData.Record(older);
    g.put("table", "item");
    g.put("op", new GenericData.EnumSymbol(ApplyOp.getClassSchema(), "UPSERT"));
    g.put("key", List.of(Columns.of("id", 1)));
    g.put("row", null);
    g.put("version", 9L);
    g.put("sourceTable", "public.item");
    g.put("sourceTsMs", 3L);
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    final BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(older, new org.apache.avro.specific.SpecificData()).write(g, e);
    e.flush();
    final ApplyRecord read = new FerryTopics("p", registry).apply().valueSerde().deserializer()
        .deserialize("t", out.toByteArray());
    assertThat(read.getTable()).isEqualTo("item");
    assertThat(read.getVersion()).isEqualTo(9L);
    assertThat(read.getGroup()).isNull();
    assertThat(read.getGroupSize()).isEqualTo(1);
    assertThatThrownBy(() -> new FerryTopics("p", registry).apply().valueSerde().deserializer()
        .deserialize("t", new byte[] {0, 0, 0, 0, (byte) id, 1})).isInstanceOf(SerializationException.class);
  }
}
