package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.PackedApplyRecord;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Rows in PostgreSQL's COPY text format, written as UTF-8 straight into a reusable byte buffer:
 * {@code \N} for NULL; backslash, tab and line breaks escaped; integers as digits without an
 * intermediate string (most columns of most tables are integers and keys).
 */
final class CopyText {
  private static final byte[] NULL = {'\\', 'N'};
  private byte[] buf;
  private int len;
  /** Writes each value of a packed row followed by a tab. */
  private final PackedApplyRecord.RowValues columns = new PackedApplyRecord.RowValues() {
    @Override
    public void nullValue() {
      nul();
      separator('\t');
    }

    @Override
    public void integer(final long value, final String logical) {
      // most integers have no logical type: no boxed value for them on this path
      final Object temporal = logical == null ? null : LogicalValues.temporal(logical, value);
      if (temporal == null) {
        number(value);
      } else {
        escaped(temporal.toString());
      }
      separator('\t');
    }

    @Override
    public void bool(final boolean value) {
      separator(value ? 't' : 'f');
      separator('\t');
    }

    @Override
    public void text(final byte[] utf8, final int offset, final int length) {
      // UTF-8 as written: bytes of multi-byte characters are all 0x80 or above, none of them one COPY escapes
      room(length * 2);
      for (int i = offset; i < offset + length; i++) {
        put(utf8[i]);
      }
      separator('\t');
    }

    @Override
    public void other(final ColumnValue value) {
      value(value);
      separator('\t');
    }
  };

  CopyText(final int capacity) {
    buf = new byte[capacity];
  }

  byte[] bytes() {
    return buf;
  }

  int length() {
    return len;
  }

  void clear() {
    len = 0;
  }

  /** A column or row separator ({@code \t}, {@code \n}), written as is. */
  void separator(final char c) {
    room(1);
    buf[len++] = (byte) c;
  }

  /**
   * The values of {@code a}'s row read from its bytes, each followed by a tab: the same text as
   * {@link #value} of each decoded column, without decoding them.
   */
  void rowValues(final PackedApplyRecord a) {
    a.writeRow(columns);
  }

  /** {@code v} in COPY's text format. */
  void value(final ColumnValue v) {
    final Object value = v.getValue();
    if (value == null) {
      nul();
      return;
    }
    if (v.getLogical() == null) {
      if (value instanceof Integer i) {
        number(i);
        return;
      }
      if (value instanceof Long l) {
        number(l);
        return;
      }
      if (value instanceof Boolean b) {
        separator(b ? 't' : 'f');
        return;
      }
    }
    final Object temporal = LogicalValues.temporal(v);
    if (temporal != null) {
      escaped(temporal.toString());
    } else if (value instanceof ByteBuffer b) {
      final ByteBuffer copy = b.duplicate();
      final byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      escaped("\\x" + HexFormat.of().formatHex(bytes));
    } else {
      escaped(value.toString());
    }
  }

  /**
   * A row's key in the text form tombstones store ({@link Columns#keyText}), escaped for COPY; integer
   * parts are written as digits without a string.
   */
  void keyText(final List<ColumnValue> key) {
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        separator('|');
      }
      final Object value = key.get(i).getValue();
      if (value instanceof Integer n) {
        number(n);
      } else if (value instanceof Long n) {
        number(n);
      } else {
        escaped(Columns.keyPart(key, i));
      }
    }
  }

  private void nul() {
    room(2);
    System.arraycopy(NULL, 0, buf, len, 2);
    len += 2;
  }

  /** A whole number as decimal digits. */
  void number(final long n) {
    if (n == Long.MIN_VALUE) {
      escaped(Long.toString(n));
      return;
    }
    room(20);
    long rest = n;
    if (rest < 0) {
      buf[len++] = '-';
      rest = -rest;
    }
    final int start = len;
    do {
      buf[len++] = (byte) ('0' + rest % 10);
      rest /= 10;
    } while (rest != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      final byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  /** {@code s} as UTF-8 with COPY's escapes. */
  private void escaped(final String s) {
    room(s.length() * 2);
    for (int i = 0; i < s.length(); i++) {
      final char ch = s.charAt(i);
      if (ch >= 0x80) {
        // the rare text that is not ASCII: encode the rest of it the JDK's way (bytes of a multi-byte
        // character are all 0x80 or above, so none of them is one COPY escapes)
        final byte[] utf8 = s.substring(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        room(utf8.length * 2);
        for (final byte b : utf8) {
          put(b);
        }
        return;
      }
      put((byte) ch);
    }
  }

  /** One byte of text, escaped if COPY gives it a meaning; room must have been made. */
  private void put(final byte b) {
    switch (b) {
      case '\\' -> pair('\\');
      case '\t' -> pair('t');
      case '\n' -> pair('n');
      case '\r' -> pair('r');
      default -> buf[len++] = b;
    }
  }

  private void pair(final char escaped) {
    buf[len++] = '\\';
    buf[len++] = (byte) escaped;
  }

  private void room(final int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}
