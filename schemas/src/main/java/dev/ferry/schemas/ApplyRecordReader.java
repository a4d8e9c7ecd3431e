package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an {@link ApplyRecord} written with exactly its own schema straight from Avro binary, the sink's
 * hot path: at 100k+ records a second, Avro's generic reader spent most of the sink's allocation on
 * decoding the same few column names, logical-type tags and table names into a new string for every
 * row. Here those identifiers come from a small per-thread table, one string per distinct name, which also
 * lets later name comparisons succeed on identity. Values are decoded as Avro's reader does (text as
 * {@link String}, bytes as a {@link ByteBuffer}), so the record is equal to the one the generic reader
 * makes; {@code ApplyRecordReaderTest} holds it to that.
 *
 * <p>Used by {@link AvroSerde} only when the writer's schema equals {@link ApplyRecord#getClassSchema()};
 * any other writer schema goes through Avro's schema resolution as before.
 */
final class ApplyRecordReader implements AvroSerde.DirectReader<ApplyRecord> {
  /** Distinct identifiers kept per thread; past this, further ones are decoded as plain strings. */
  static final int MAX_IDENTIFIERS = 4096;
  private static final ApplyOp[] OPS = ApplyOp.values();
  private static final ThreadLocal<Identifiers> IDENTIFIERS = ThreadLocal.withInitial(Identifiers::new);

  @Override
  public ApplyRecord read(final byte[] data, final int offset, final int length) {
    final Input in = new Input(data, offset, offset + length, IDENTIFIERS.get());
    final String table = in.identifier();
    final int op = in.op();
    final List<ColumnValue> key = in.columns(null);
    final List<ColumnValue> row = in.union(1) ? in.columns(key) : null;
    final long version = in.readLong();
    final String sourceTable = in.identifier();
    final String sourceTxId = in.union(1) ? in.string() : null;
    final long sourceTsMs = in.readLong();
    final String group = in.union(1) ? in.string() : null;
    final int groupSize = in.readInt();
    final int groupIndex = in.readInt();
    final SnapshotSweep sweep = in.union(1) ? in.sweep() : null;
    if (in.pos != in.end) {
      throw new IllegalArgumentException((in.end - in.pos) + " bytes left after an ApplyRecord");
    }
    return new ApplyRecord(table, OPS[op], key, row, version, sourceTable, sourceTxId, sourceTsMs, group, groupSize,
        groupIndex, sweep);
  }

  /**
   * Reads the fields {@link PackedApplyRecord} keeps decoded and walks over the rest, checking the
   * layout as {@link #read} does; the record keeps {@code data} itself, not a copy.
   */
  PackedApplyRecord readPacked(final byte[] data, final int offset, final int length) {
    final Input in = new Input(data, offset, offset + length, IDENTIFIERS.get());
    final String table = in.identifier();
    final int op = in.op();
    final List<ColumnValue> key = in.columns(null);
    List<String> columns = null;
    int rowStart = -1;
    int rowEnd = -1;
    if (in.union(1)) {
      rowStart = in.pos;
      columns = in.columnNames();
      rowEnd = in.pos;
    }
    final long version = in.readLong();
    in.skip(); // sourceTable
    if (in.union(1)) {
      in.skip(); // sourceTxId
    }
    final long sourceTsMs = in.readLong();
    final boolean grouped = in.union(1);
    if (grouped) {
      in.skip();
    }
    final int groupSize = in.readInt();
    final int groupIndex = in.readInt();
    if (in.union(1)) {
      in.sweep(); // rare (one per snapshot, table and partition): the sink unpacks such a record
    }
    if (in.pos != in.end) {
      throw new IllegalArgumentException((in.end - in.pos) + " bytes left after an ApplyRecord");
    }
    return new PackedApplyRecord(data, offset, length, table, OPS[op], key, columns, rowStart, rowEnd, version,
        sourceTsMs, !grouped || groupIndex >= groupSize - 1);
  }

  /** Hands the values of the row array at {@code data[start, end)} to {@code out} (see {@link PackedApplyRecord#writeRow}). */
  void readRow(final byte[] data, final int start, final int end, final PackedApplyRecord.RowValues out) {
    final Input in = new Input(data, start, end, IDENTIFIERS.get());
    long count;
    while ((count = in.readLong()) != 0) {
      if (count < 0) {
        count = -count;
        in.readLong();
      }
      for (long i = 0; i < count; i++) {
        in.value(out);
      }
    }
  }

  /** A cursor over Avro binary (zig-zag varints, length-prefixed bytes, little-endian floats). */
  private static final class Input {
    private final byte[] buf;
    private final int end;
    private final Identifiers identifiers;
    private int pos;

    Input(final byte[] buf, final int pos, final int end, final Identifiers identifiers) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
      this.identifiers = identifiers;
    }

    private byte next() {
      if (pos >= end) {
        throw new IllegalArgumentException("ApplyRecord ends early");
      }
      return buf[pos++];
    }

    long readLong() {
      long raw = 0;
      int shift = 0;
      while (true) {
        final byte b = next();
        raw |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
        shift += 7;
        if (shift > 63) {
          throw new IllegalArgumentException("malformed varint in an ApplyRecord");
        }
      }
      return (raw >>> 1) ^ -(raw & 1);
    }

    int readInt() {
      final long v = readLong();
      if (v != (int) v) {
        throw new IllegalArgumentException("int out of range in an ApplyRecord: " + v);
      }
      return (int) v;
    }

    private int length() {
      final long n = readLong();
      if (n < 0 || n > end - pos) {
        throw new IllegalArgumentException("length " + n + " past the end of an ApplyRecord");
      }
      return (int) n;
    }

    /** Reads a union's branch index: true when it is {@code branch}, false for the null branch (0). */
    boolean union(final int branch) {
      final int index = readInt();
      if (index != 0 && index != branch) {
        throw new IllegalArgumentException("union branch " + index + " unexpected in an ApplyRecord");
      }
      return index == branch;
    }

    String string() {
      final int n = length();
      final String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }

    String identifier() {
      final int n = length();
      final String s = identifiers.get(buf, pos, n);
      pos += n;
      return s;
    }

    /**
     * An array of columns, in a list sized to it. A column equal to one of {@code shared} (the key's, when
     * reading the row) is that object: a batch in flight holds each key value once, not twice.
     */
    List<ColumnValue> columns(final List<ColumnValue> shared) {
      ArrayList<ColumnValue> out = null;
      long count;
      while ((count = block("columns")) != 0) {
        if (out == null) {
          out = new ArrayList<>((int) count);
        } else {
          out.ensureCapacity(out.size() + (int) count);
        }
        for (long i = 0; i < count; i++) {
          out.add(sharedOrNew(column(), shared));
        }
      }
      return out == null ? new ArrayList<>(0) : out;
    }

    /**
     * The item count of the next block of an array (0 at its end), its byte size skipped where given. Every item
     * takes at least a byte, so a larger count is corrupt and must not size a list.
     */
    private long block(final String items) {
      long count = readLong();
      if (count < 0) {
        count = -count;
        readLong(); // the block's size in bytes, for skipping; not needed to read it
      }
      if (count > end - pos) {
        throw new IllegalArgumentException(count + " " + items + " past the end of an ApplyRecord");
      }
      return count;
    }

    /** A {@link SnapshotSweep}: id, tables, version, partition, partitions. */
    SnapshotSweep sweep() {
      final String id = string();
      final List<String> tables = new ArrayList<>();
      long count;
      while ((count = block("tables")) != 0) {
        for (long i = 0; i < count; i++) {
          tables.add(string());
        }
      }
      return new SnapshotSweep(id, tables, readLong(), readInt(), readInt());
    }

    /** An {@link ApplyOp}'s index, checked. */
    int op() {
      final int op = readInt();
      if (op < 0 || op >= OPS.length) {
        throw new IllegalArgumentException("ApplyOp index " + op + " out of range");
      }
      return op;
    }

    /** Skips a string or bytes value. */
    void skip() {
      final int n = length(); // read first: "pos += length()" would add to pos as it was before the length
      pos += n;
    }

    /**
     * Walks an array of columns and returns their names: the thread's list for that sequence of names
     * when it has one, so records of one shape share a list and reading them allocates nothing.
     */
    List<String> columnNames() {
      final Shapes shapes = identifiers.shapes;
      int n = 0;
      long count;
      while ((count = block("columns")) != 0) {
        for (long i = 0; i < count; i++) {
          shapes.name(n++, identifier());
          skipValue();
        }
      }
      return shapes.current(n);
    }

    private void skipValue() {
      switch (readInt()) {
        case 0 -> { }
        case 1 -> next();
        case 2, 3 -> readLong();
        case 4 -> littleEndian(4);
        case 5 -> littleEndianLong();
        case 6, 7 -> skip();
        default -> throw new IllegalArgumentException("ColumnValue value branch out of range");
      }
      if (union(1)) {
        skip();
      }
    }

    /** Reads one column and hands its value to {@code out}. */
    void value(final PackedApplyRecord.RowValues out) {
      // the name is looked up only for the rare value handed over as a column
      final int nameLength = length();
      final int nameStart = pos;
      pos += nameLength;
      final int branch = readInt();
      long number = 0;
      int textStart = 0;
      int textLength = 0;
      Object boxed = null;
      switch (branch) {
        case 0 -> { }
        case 1 -> number = next();
        case 2 -> number = readInt();
        case 3 -> number = readLong();
        case 4 -> boxed = Float.intBitsToFloat(littleEndian(4));
        case 5 -> boxed = Double.longBitsToDouble(littleEndianLong());
        case 6, 7 -> {
          textLength = length();
          textStart = pos;
          pos += textLength;
        }
        default -> throw new IllegalArgumentException("ColumnValue value branch out of range");
      }
      final String logical = union(1) ? identifier() : null;
      switch (branch) {
        case 0 -> out.nullValue();
        case 1 -> {
          if (logical == null) {
            out.bool(number != 0);
          } else {
            out.other(new ColumnValue(name(nameStart, nameLength), number != 0, logical));
          }
        }
        case 2 -> out.integer(number, logical);
        case 3 -> out.integer(number, logical);
        case 6 -> {
          if (LogicalValues.isTemporal(logical)) {
            out.other(new ColumnValue(name(nameStart, nameLength),
                new String(buf, textStart, textLength, StandardCharsets.UTF_8), logical));
          } else {
            out.text(buf, textStart, textLength);
          }
        }
        case 7 -> {
          final byte[] bytes = new byte[textLength];
          System.arraycopy(buf, textStart, bytes, 0, textLength);
          out.other(new ColumnValue(name(nameStart, nameLength), ByteBuffer.wrap(bytes), logical));
        }
        default -> out.other(new ColumnValue(name(nameStart, nameLength), boxed, logical));
      }
    }

    private String name(final int start, final int length) {
      return identifiers.get(buf, start, length);
    }

    private static ColumnValue sharedOrNew(final ColumnValue c, final List<ColumnValue> shared) {
      if (shared != null) {
        for (final ColumnValue s : shared) {
          if (s.getName().equals(c.getName()) && java.util.Objects.equals(s.getValue(), c.getValue())
              && java.util.Objects.equals(s.getLogical(), c.getLogical())) {
            return s;
          }
        }
      }
      return c;
    }

    private ColumnValue column() {
      final String name = identifier();
      final Object value = switch (readInt()) {
        case 0 -> null;
        case 1 -> next() != 0;
        case 2 -> readInt();
        case 3 -> readLong();
        case 4 -> Float.intBitsToFloat(littleEndian(4));
        case 5 -> Double.longBitsToDouble(littleEndianLong());
        case 6 -> string();
        case 7 -> {
          final int n = length();
          final byte[] bytes = new byte[n];
          System.arraycopy(buf, pos, bytes, 0, n);
          pos += n;
          yield ByteBuffer.wrap(bytes);
        }
        default -> throw new IllegalArgumentException("ColumnValue value branch out of range");
      };
      final String logical = union(1) ? identifier() : null;
      return new ColumnValue(name, value, logical);
    }

    private int littleEndian(final int bytes) {
      int v = 0;
      for (int i = 0; i < bytes; i++) {
        v |= (next() & 0xff) << (8 * i);
      }
      return v;
    }

    private long littleEndianLong() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v |= (long) (next() & 0xff) << (8 * i);
      }
      return v;
    }
  }

  /**
   * One string per distinct identifier, looked up by its UTF-8 bytes without allocating: a probe key
   * compares against the stored copies. Bounded: a stream of ever new names stops being cached.
   */
  static final class Identifiers {
    private final Map<Bytes, String> known = new HashMap<>();
    private final Bytes probe = new Bytes();
    private final Shapes shapes = new Shapes();

    String get(final byte[] buf, final int offset, final int length) {
      probe.set(buf, offset, length);
      final String hit = known.get(probe);
      if (hit != null) {
        return hit;
      }
      final String s = new String(buf, offset, length, StandardCharsets.UTF_8);
      if (known.size() < MAX_IDENTIFIERS) {
        final Bytes key = new Bytes();
        final byte[] copy = new byte[length];
        System.arraycopy(buf, offset, copy, 0, length);
        key.set(copy, 0, length);
        known.put(key, s);
      }
      return s;
    }

    int size() {
      return known.size();
    }
  }

  /**
   * The column-name lists of rows read by one thread, one list per distinct sequence of names. The
   * names come from {@link Identifiers}, so a row of the last shape is recognised by identity without
   * a lookup. Bounded: past {@link #MAX_IDENTIFIERS} shapes, further ones get lists of their own.
   */
  static final class Shapes {
    private final Map<List<String>, List<String>> known = new HashMap<>();
    private String[] names = new String[16];
    private List<String> last = List.of();
    /** True while every name so far is the one at the same place in {@link #last}. */
    private boolean sameAsLast = true;

    /** Name {@code i} of the row being read (called with 0, 1, 2... in order). */
    void name(final int i, final String name) {
      if (i == 0) {
        sameAsLast = true;
      }
      if (i == names.length) {
        names = java.util.Arrays.copyOf(names, i * 2);
      }
      names[i] = name;
      sameAsLast = sameAsLast && i < last.size() && last.get(i) == name;
    }

    /** The list of the {@code n} names just given. */
    List<String> current(final int n) {
      if (n == 0) {
        return List.of();
      }
      if (sameAsLast && n == last.size()) {
        return last;
      }
      final List<String> shape = List.of(java.util.Arrays.copyOf(names, n));
      final List<String> shared = known.get(shape);
      if (shared != null) {
        last = shared;
        return shared;
      }
      if (known.size() < MAX_IDENTIFIERS) {
        known.put(shape, shape);
      }
      last = shape;
      return shape;
    }
  }

  /** A byte range with value equality; the probe's range is reset for each lookup. */
  private static final class Bytes {
    private byte[] buf;
    private int offset;
    private int length;
    private int hash;

    void set(final byte[] b, final int off, final int len) {
      buf = b;
      offset = off;
      length = len;
      int h = 1;
      for (int i = off; i < off + len; i++) {
        h = 31 * h + b[i];
      }
      hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(final Object o) {
      return o instanceof Bytes other && other.hash == hash
          && java.util.Arrays.equals(buf, offset, offset + length, other.buf, other.offset, other.offset + other.length);
    }
  }
}
