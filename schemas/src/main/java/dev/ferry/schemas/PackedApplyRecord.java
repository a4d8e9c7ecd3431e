package dev.ferry.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * An apply record as the sink holds it between the poll and the commit of its batch: its Avro bytes,
 * with only the fields the sink sorts, groups and collapses by decoded (table, op, key, version, the
 * row's column names, where its group ends). The row's values stay bytes until they are written, and
 * are then read straight into the target's format ({@link #writeRow}) or, on the slower paths, into an
 * {@link ApplyRecord} ({@link #unpack}).
 *
 * <p>Why: a batch in flight is tens of thousands of records per writer. Decoded, each was some twenty
 * objects (record, lists, a column object and a boxed value per column), which the garbage collector
 * copied and marked while they waited: in the sink benchmark the collector took about 40% of the sink
 * JVM's CPU once the batches flowed. Packed, a record is a byte array and a few small objects.
 *
 * <p>The bytes are always in {@link ApplyRecord#getClassSchema()}'s own layout: a value written with
 * another (compatible) schema is decoded through schema resolution and encoded again ({@link #pack}).
 * Immutable; the bytes are never written to.
 */
public final class PackedApplyRecord {
  private static final ApplyRecordReader READER = new ApplyRecordReader();
  private static final SpecificDatumWriter<ApplyRecord> WRITER = new SpecificDatumWriter<>(ApplyRecord.getClassSchema());
  /** Held once: a bound method reference written in place would be a new object per record. */
  private static final AvroSerde.DirectReader<PackedApplyRecord> PACKED = READER::readPacked;

  private final byte[] data;
  private final int offset;
  private final int length;
  private final String table;
  private final ApplyOp op;
  private final List<ColumnValue> key;
  private final List<String> columns;
  private final int rowStart;
  private final int rowEnd;
  private final long version;
  private final long sourceTsMs;
  private final boolean endsGroup;

  PackedApplyRecord(final byte[] data, final int offset, final int length, final String table, final ApplyOp op,
      final List<ColumnValue> key, final List<String> columns, final int rowStart, final int rowEnd, final long version,
      final long sourceTsMs, final boolean endsGroup) {
    this.data = data;
    this.offset = offset;
    this.length = length;
    this.table = table;
    this.op = op;
    this.key = key;
    this.columns = columns;
    this.rowStart = rowStart;
    this.rowEnd = rowEnd;
    this.version = version;
    this.sourceTsMs = sourceTsMs;
    this.endsGroup = endsGroup;
  }

  /** {@code a} encoded and packed (tests, parked rows, values written with another schema). */
  public static PackedApplyRecord pack(final ApplyRecord a) {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      WRITER.write(a, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    final byte[] bytes = out.toByteArray();
    return READER.readPacked(bytes, 0, bytes.length);
  }

  /**
   * Reads the value of an apply topic record (Confluent wire format) without decoding its row.
   *
   * @throws org.apache.kafka.common.errors.SerializationException when it is not an apply record
   */
  public static PackedApplyRecord read(final FerryTopics topics, final String topic, final byte[] wire) {
    return topics.applySerde().decode(topic, wire, PACKED, PackedApplyRecord::pack);
  }

  /** The whole record, decoded: equal to what the apply topic's value serde returns for it. */
  public ApplyRecord unpack() {
    return READER.read(data, offset, length);
  }

  /** Hands the row's values to {@code out} in column order, each once; nothing for a delete. */
  public void writeRow(final RowValues out) {
    if (columns != null) {
      READER.readRow(data, rowStart, rowEnd, out);
    }
  }

  /** The target table, as {@link ApplyRecord#getTable()}. */
  public String table() {
    return table;
  }

  public ApplyOp op() {
    return op;
  }

  /** The key columns, as {@link ApplyRecord#getKey()}. */
  public List<ColumnValue> key() {
    return key;
  }

  /**
   * The row's column names in order; null for a delete. Records of one shape read by one thread share
   * one list, so comparing them by identity first is cheap.
   */
  public List<String> columns() {
    return columns;
  }

  public long version() {
    return version;
  }

  public long sourceTsMs() {
    return sourceTsMs;
  }

  /** True when no record of its group follows it (or it has no group). */
  public boolean endsGroup() {
    return endsGroup;
  }

  /**
   * Receives a row's values in column order, as {@link #writeRow} reads them from the bytes: the common
   * kinds without a boxed object or a string, the rest as the column {@link #unpack} would return.
   */
  public interface RowValues {
    /** SQL NULL. */
    void nullValue();

    /** An Avro int or long; {@code logical} as {@link ColumnValue#getLogical()} (a date, a time...), or null. */
    void integer(long value, String logical);

    /** A boolean without a logical type. */
    void bool(boolean value);

    /**
     * A string whose logical type, if any, is not a date or time ({@link LogicalValues#isTemporal}): its
     * UTF-8 bytes as written, {@code length} of them from {@code offset}; valid only during the call.
     */
    void text(byte[] utf8, int offset, int length);

    /** Any other value (float, double, bytes, a string or boolean with a logical type), decoded. */
    void other(ColumnValue value);
  }
}
