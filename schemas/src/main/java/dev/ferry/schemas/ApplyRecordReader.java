package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
  static final ApplyOp[] OPS = ApplyOp.values();
  private static final ThreadLocal<Identifiers> IDENTIFIERS = ThreadLocal.withInitial(Identifiers::new);

  @Override
  public ApplyRecord read(final byte[] data, final int offset, final int length) {
    final ApplyRecordInput in = new ApplyRecordInput(data, offset, offset + length, IDENTIFIERS.get());
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
    final ApplyRecordInput in = new ApplyRecordInput(data, offset, offset + length, IDENTIFIERS.get());
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
    final ApplyRecordInput in = new ApplyRecordInput(data, start, end, IDENTIFIERS.get());
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

  /**
   * One string per distinct identifier, looked up by its UTF-8 bytes without allocating: a probe key
   * compares against the stored copies. Bounded: a stream of ever new names stops being cached.
   */
  static final class Identifiers {
    private final Map<Bytes, String> known = new HashMap<>();
    private final Bytes probe = new Bytes();
    final Shapes shapes = new Shapes();

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
