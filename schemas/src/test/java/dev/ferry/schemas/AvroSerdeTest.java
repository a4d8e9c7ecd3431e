package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<ApplyRecord> serde = new AvroSerde<>(registry, ApplyRecord.getClassSchema());

  private static ApplyRecord record() {
    return ApplyRecord.newBuilder().setTable("sales_order").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 10248)))
        .setRow(List.of(Columns.of("id", 10248), Columns.of("freight", "32.38", "decimal")))
        .setVersion(42L).setSourceTable("public.orders").setSourceTsMs(1L).build();
  }

  @Test
  void writesTheConfluentWireFormat() {
    final byte[] bytes = serde.encode("t", record());
    assertThat(bytes[0]).isEqualTo((byte) 0);
    final int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    assertThat(registry.byId(id)).isEqualTo(ApplyRecord.getClassSchema());
  }

  @Test
  void roundTripsEveryField() {
    assertThat(serde.decode("t", serde.encode("t", record()))).isEqualTo(record());
  }

  /**
   * The serde's encoder is reused per thread: every record comes out as Avro's own writer gives it, also right
   * after one that could not be encoded (a required field missing) left bytes behind in the encoder's buffer.
   */
  @Test
  void encodesAsAvroDoesRecordAfterRecordEvenAfterOneThatFailed() throws java.io.IOException {
    final java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 500; i++) {
      if (i % 50 == 7) {
        final ApplyRecord broken = ApplyRecordReaderTest.random(random);
        broken.setSourceTable(null);
        assertThatThrownBy(() -> serde.encode("t", broken))
            .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class);
      }
      final ApplyRecord r = ApplyRecordReaderTest.random(random);
      final byte[] bytes = serde.encode("t", r);
      final byte[] avro = ApplyRecordReaderTest.avro(r);
      assertThat(java.util.Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(avro);
    }
  }

  @Test
  void refusesBytesThatAreNotInTheWireFormat() {
    assertThatThrownBy(() -> serde.decode("cdc", new byte[] {1, 2, 3, 4, 5, 6}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("not in the Confluent Avro wire format");
  }

  @Test
  void aSchemaIdTheRegistryDoesNotKnowIsTheRecordsFault() {
    final byte[] poison = {0, 0x7f, 0x12, 0x34, 0x56, 2, 4, 6};
    assertThatThrownBy(() -> serde.decode("cdc", poison))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("writer schema id 2131899478, which the schema registry does not know");
  }

  @Test
  void aRegistryThatDoesNotAnswerIsNotTheRecordsFault() {
    final SchemaRegistry down = new SchemaRegistry() {
      @Override
      public int register(final String subject, final org.apache.avro.Schema schema) {
        throw new RegistryException("schema registry cannot be reached", 503);
      }

      @Override
      public org.apache.avro.Schema byId(final int id) {
        throw new RegistryException("schema registry cannot be reached", 503);
      }
    };
    final byte[] good = serde.encode("t", record());
    assertThatThrownBy(() -> new AvroSerde<>(down, ApplyRecord.getClassSchema()).decode("t", good))
        .isInstanceOf(RegistryException.class);
  }

  @Test
  void nullStaysNullForTombstones() {
    assertThat(serde.encode("t", null)).isNull();
    assertThat(serde.decode("t", null)).isNull();
  }

  @Test
  void theConsumersBufferIsReadInPlaceFromItsPosition() {
    final byte[] value = serde.encode("t", record());
    // as the consumer hands it over: a slice of a larger fetch buffer, with bytes of other records around it
    final byte[] fetch = new byte[value.length + 20];
    java.util.Arrays.fill(fetch, (byte) 7);
    System.arraycopy(value, 0, fetch, 13, value.length);
    final ByteBuffer slice = ByteBuffer.wrap(fetch, 13, value.length).slice();
    assertThat(serde.deserializer().deserialize("t", null, slice)).isEqualTo(record());
    assertThat(serde.deserializer().deserialize("t", null, ByteBuffer.wrap(fetch, 13, value.length)))
        .isEqualTo(record());
    assertThat(serde.deserializer().deserialize("t", null, (ByteBuffer) null)).isNull();
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", null, ByteBuffer.wrap(fetch, 0, 12)))
        .isInstanceOf(SerializationException.class);
  }
}
