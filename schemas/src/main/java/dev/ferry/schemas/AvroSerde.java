package dev.ferry.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro class in the Confluent wire format: magic byte {@code 0}, the
 * writer schema's 4-byte big-endian registry id, then Avro binary. Values written by any
 * Confluent-compatible producer of a compatible schema can be read (Avro schema resolution from the
 * writer's schema to {@code type}'s).
 *
 * <p>The schema is registered under the subject {@code <topic>-value} (Confluent's TopicNameStrategy)
 * on first use per topic.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  static final byte MAGIC = 0;
  /** A decoder per thread, reused: creating one per record is measurable at sink speeds. */
  private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();
  /**
   * A buffering encoder per thread, reused: the direct encoder wrote every byte through {@code
   * ByteArrayOutputStream.write(int)}, a synchronized call per byte (2% of the processor's CPU in a migration).
   */
  private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

  private final SchemaRegistry registry;
  private final Schema schema;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();
  private final Map<Integer, DirectReader<T>> readersByWriterId = new ConcurrentHashMap<>();
  /** Reads bytes written with exactly {@link #schema}; null: always Avro's resolving reader. */
  private final DirectReader<T> sameSchemaReader;

  /**
   * Decodes Avro binary ({@code length} bytes from {@code offset}) into a record. Implementations are
   * thread-safe.
   */
  @FunctionalInterface
  interface DirectReader<T> {
    T read(byte[] data, int offset, int length) throws IOException;
  }

  public AvroSerde(final SchemaRegistry registry, final Schema schema) {
    this(registry, schema, null);
  }

  /**
   * @param sameSchemaReader a faster reader for values written with exactly {@code schema}, or null
   */
  AvroSerde(final SchemaRegistry registry, final Schema schema, final DirectReader<T> sameSchemaReader) {
    this.registry = registry;
    this.schema = schema;
    this.writer = new SpecificDatumWriter<>(schema);
    this.sameSchemaReader = sameSchemaReader;
  }

  /** The reader for values written with {@code writerSchema}: the direct one when it is this serde's own. */
  private DirectReader<T> readerFor(final Schema writerSchema) {
    if (sameSchemaReader != null && writerSchema.equals(schema)) {
      return sameSchemaReader;
    }
    final SpecificDatumReader<T> resolving = new SpecificDatumReader<>(writerSchema, schema);
    return (data, offset, length) -> {
      final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, length, DECODER.get());
      DECODER.set(decoder);
      return resolving.read(null, decoder);
    };
  }

  /** Encodes {@code value} for {@code topic}; null stays null (a Kafka tombstone). */
  public byte[] encode(final String topic, final T value) {
    if (value == null) {
      return null;
    }
    final int id = idByTopic.computeIfAbsent(topic, t -> registry.register(t + "-value", schema));
    final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODER.get());
    ENCODER.set(encoder);
    try {
      writer.write(value, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode " + schema.getFullName() + " for topic " + topic, e);
    }
    return out.toByteArray();
  }

  /**
   * Decodes Confluent wire-format bytes; null stays null.
   *
   * @throws SerializationException when the bytes are not in the wire format, name a schema id the
   *     registry does not know (404), or do not match a schema compatible with this serde's type
   * @throws RegistryException when the registry cannot answer (not the record's fault: retry later)
   */
  public T decode(final String topic, final byte[] data) {
    return data == null ? null : decode(topic, data, 0, data.length);
  }

  /** {@link #decode(String, byte[])} of {@code length} bytes of {@code data} from {@code offset}. */
  private T decode(final String topic, final byte[] data, final int offset, final int length) {
    return decode(topic, data, offset, length, null, null);
  }

  /**
   * Decodes Confluent wire-format bytes (not null) with {@code sameSchema} when they were written with
   * exactly this serde's schema (the Avro binary is then in this serde's own layout), else into {@code T}
   * through schema resolution and then {@code otherwise}.
   *
   * @throws SerializationException as {@link #decode(String, byte[])}
   */
  <R> R decode(final String topic, final byte[] data, final DirectReader<R> sameSchema, final Function<T, R> otherwise) {
    return decode(topic, data, 0, data.length, sameSchema, otherwise);
  }

  @SuppressWarnings("unchecked")
  private <R> R decode(final String topic, final byte[] data, final int offset, final int length,
      final DirectReader<R> sameSchema, final Function<T, R> otherwise) {
    if (length < 5 || data[offset] != MAGIC) {
      throw new SerializationException("record on " + topic + " is not in the Confluent Avro wire format "
          + "(magic byte 0 + 4-byte schema id)");
    }
    final int writerId = ByteBuffer.wrap(data, offset + 1, 4).getInt();
    final DirectReader<T> reader;
    try {
      reader = readersByWriterId.computeIfAbsent(writerId, id -> readerFor(registry.byId(id)));
    } catch (RegistryException e) {
      if (e.status() == 404) {
        // the record names a schema nobody registered: the record's fault, not the registry's
        throw new SerializationException("record on " + topic + " names writer schema id " + writerId
            + ", which the schema registry does not know", e);
      }
      throw e;
    } catch (org.apache.avro.SchemaParseException e) {
      throw new SerializationException("record on " + topic + " names writer schema id " + writerId
          + ", which is not an Avro schema", e);
    }
    try {
      if (sameSchema == null) {
        return (R) reader.read(data, offset + 5, length - 5);
      }
      return reader == sameSchemaReader ? sameSchema.read(data, offset + 5, length - 5)
          : otherwise.apply(reader.read(data, offset + 5, length - 5));
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot decode " + schema.getFullName() + " from " + topic
          + " (writer schema id " + writerId + ")", e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return this::encode;
  }

  @Override
  public Deserializer<T> deserializer() {
    return new Deserializer<>() {
      @Override
      public T deserialize(final String topic, final byte[] data) {
        return decode(topic, data);
      }

      /** Reads the consumer's buffer in place: Kafka's default copies every value into a new array first. */
      @Override
      public T deserialize(final String topic, final Headers headers, final ByteBuffer data) {
        if (data == null) {
          return null;
        }
        if (!data.hasArray()) {
          return Deserializer.super.deserialize(topic, headers, data);
        }
        return decode(topic, data.array(), data.arrayOffset() + data.position(), data.remaining());
      }
    };
  }
}
