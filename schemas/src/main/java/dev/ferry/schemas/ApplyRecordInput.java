package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ApplyRecordReader}'s cursor over one apply record's Avro binary (zig-zag varints, length-prefixed bytes,
 * little-endian floats): reads each field in the schema's order, names through the thread's identifier table.
 */
final class ApplyRecordInput {
  private final byte[] buf;
  final int end;
  private final ApplyRecordReader.Identifiers identifiers;
  int pos;

  ApplyRecordInput(final byte[] buf, final int pos, final int end, final ApplyRecordReader.Identifiers identifiers) {
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
    if (op < 0 || op >= ApplyRecordReader.OPS.length) {
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
    final ApplyRecordReader.Shapes shapes = identifiers.shapes;
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
