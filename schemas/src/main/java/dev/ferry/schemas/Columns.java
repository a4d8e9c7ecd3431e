package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

/** Reading rows held as lists of {@link ColumnValue}. */
public final class Columns {
  private Columns() {
  }

  /** The column named {@code name}, or null when the row has no such column. */
  public static ColumnValue find(final List<ColumnValue> row, final String name) {
    if (row == null) {
      return null;
    }
    for (final ColumnValue c : row) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The canonical text of a key: values in key order joined by {@code |}, binary values in hex. Used as
   * the Kafka record key, so equal keys always land on the same partition, and as a row's identity in
   * tombstones, deduplication and natural-key claims, so different keys of one table never share a text:
   * in a key of several columns each value's {@code \} and {@code |} are escaped ({@code ("a|b", "c")} is
   * {@code a\|b|c}, {@code ("a", "b|c")} is {@code a|b\|c}). A one-column key is its value's text as is.
   */
  public static String keyText(final List<ColumnValue> key) {
    if (key.size() == 1) {
      return text(key.get(0).getValue());
    }
    final StringBuilder sb = new StringBuilder(16 * key.size());
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      sb.append(keyPart(key, i));
    }
    return sb.toString();
  }

  /** Value {@code i} of {@code key} as it appears in {@link #keyText} (escaped when the key has several columns). */
  public static String keyPart(final List<ColumnValue> key, final int i) {
    final String text = text(key.get(i).getValue());
    if (key.size() == 1 || text.indexOf('|') < 0 && text.indexOf('\\') < 0) {
      return text;
    }
    return text.replace("\\", "\\\\").replace("|", "\\|");
  }

  /** A key value's text; a binary value's is its hex, not the buffer's description. */
  private static String text(final Object value) {
    if (value instanceof ByteBuffer b) {
      final ByteBuffer copy = b.duplicate();
      final byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      return HexFormat.of().formatHex(bytes);
    }
    return String.valueOf(value);
  }

  /** A column value without a logical type. */
  public static ColumnValue of(final String name, final Object value) {
    return new ColumnValue(name, value, null);
  }

  /** A column value with a logical type (see {@link ColumnValue#getLogical()}). */
  public static ColumnValue of(final String name, final Object value, final String logical) {
    return new ColumnValue(name, value, logical);
  }
}
