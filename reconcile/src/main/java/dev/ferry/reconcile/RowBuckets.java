package dev.ferry.reconcile;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rows of one side of a comparison spread over files by their key's hash, so that one bucket at a time is held in
 * memory: a table of any size is compared in the memory of {@code rows / buckets} rows. Both sides use the same
 * bucket count, so a key is in bucket {@code i} on both.
 *
 * <p>A value is null (SQL NULL), {@link #ABSENT} (the mapping does not write that column from this legacy row), or
 * its canonical text.
 */
final class RowBuckets implements AutoCloseable {
  /** Marks a column the mapped row does not carry; never equal to a value. */
  static final String ABSENT = new String("\u0000absent");

  /** One row in a bucket: its key, values, and where it came from (legacy table and key; empty for the target). */
  record Row(String key, String[] values, String origin) {
  }

  private final Path dir;
  private final String side;
  private final DataOutputStream[] out;

  RowBuckets(final Path dir, final String side, final int buckets) throws IOException {
    this.dir = dir;
    this.side = side;
    this.out = new DataOutputStream[buckets];
    for (int i = 0; i < buckets; i++) {
      out[i] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file(i)), 1 << 16));
    }
  }

  int buckets() {
    return out.length;
  }

  static int bucketOf(final String key, final int buckets) {
    return Math.floorMod(key.hashCode() * 0x9E3779B9, buckets);
  }

  void add(final String key, final String[] values, final String origin) throws IOException {
    final DataOutputStream o = out[bucketOf(key, out.length)];
    writeText(o, key);
    o.writeInt(values.length);
    for (final String v : values) {
      if (v == null) {
        o.writeByte(0);
      } else if (v == ABSENT) {
        o.writeByte(1);
      } else {
        o.writeByte(2);
        writeText(o, v);
      }
    }
    writeText(o, origin);
  }

  /** Closes the files for writing; call before reading. */
  void finish() throws IOException {
    for (final DataOutputStream o : out) {
      o.close();
    }
  }

  /** Reads bucket {@code i}, row by row. */
  void read(final int i, final java.util.function.Consumer<Row> each) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file(i)), 1 << 16))) {
      while (true) {
        final String key;
        try {
          key = readText(in);
        } catch (EOFException end) {
          return;
        }
        final String[] values = new String[in.readInt()];
        for (int v = 0; v < values.length; v++) {
          final byte flag = in.readByte();
          values[v] = flag == 0 ? null : flag == 1 ? ABSENT : readText(in);
        }
        each.accept(new Row(key, values, readText(in)));
      }
    }
  }

  private Path file(final int i) {
    return dir.resolve(side + "-" + i + ".rows");
  }

  private static void writeText(final DataOutputStream o, final String s) throws IOException {
    final byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.writeInt(b.length);
    o.write(b);
  }

  private static String readText(final DataInputStream in) throws IOException {
    final byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    for (int i = 0; i < out.length; i++) {
      try {
        out[i].close();
        Files.deleteIfExists(file(i));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
