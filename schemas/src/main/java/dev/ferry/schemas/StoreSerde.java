package dev.ferry.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary for state stores: the processor's private state, written and read by the same
 * code, so it needs no registry round-trip. Never use it for topics others read.
 *
 * @param <T> the generated record class
 */
public final class StoreSerde<T extends SpecificRecord> implements Serde<T> {
  /**
   * A buffering encoder per thread, reused, as {@link AvroSerde}'s: the direct encoder wrote every byte through the
   * synchronized {@code ByteArrayOutputStream.write(int)}, about 6% of the processor's CPU at 10,000 rows/s (a
   * profile of {@code scripts/bench pipeline}, docs/benchmarks.md session 29): every change goes through the
   * transaction stores.
   */
  private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();
  /** A decoder per thread, reused: one per read was an allocation per change. */
  private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

  private final SpecificDatumWriter<T> writer;
  private final SpecificDatumReader<T> reader;

  public StoreSerde(final Schema schema) {
    this.writer = new SpecificDatumWriter<>(schema);
    this.reader = new SpecificDatumReader<>(schema);
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
      final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODER.get());
      ENCODER.set(encoder);
      try {
        writer.write(value, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try {
        final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, DECODER.get());
        DECODER.set(decoder);
        return reader.read(null, decoder);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
