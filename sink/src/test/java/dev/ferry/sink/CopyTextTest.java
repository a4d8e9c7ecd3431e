package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Values in COPY's text format, where a stray tab or backslash would shift or corrupt columns. */
class CopyTextTest {
  private static String text(final ColumnValue v) {
    final CopyText text = new CopyText(4);
    text.value(v);
    return new String(text.bytes(), 0, text.length(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void nullTabsLineBreaksAndBackslashesAreEscaped() {
    assertThat(text(Columns.of("a", null))).isEqualTo("\\N");
    assertThat(text(Columns.of("a", "x\ty\nz\\w\r"))).isEqualTo("x\\ty\\nz\\\\w\\r");
    assertThat(text(Columns.of("a", "\\N"))).isEqualTo("\\\\N");
  }

  @Test
  void logicalTypesUseTheirSqlText() {
    assertThat(text(Columns.of("d", 9681, "date"))).isEqualTo("1996-07-04");
    assertThat(text(Columns.of("t", 1_700_000_000_123_456L, "timestamp-micros"))).isEqualTo("2023-11-14T22:13:20.123456");
    assertThat(text(Columns.of("m", "12.50", "decimal"))).isEqualTo("12.50");
    assertThat(text(Columns.of("b", true))).isEqualTo("t");
    assertThat(text(Columns.of("n", -9_223_372_036_854_775_807L - 1))).isEqualTo("-9223372036854775808");
    assertThat(text(Columns.of("n", -1_234_567_890_123L))).isEqualTo("-1234567890123");
    assertThat(text(Columns.of("n", 0))).isEqualTo("0");
    assertThat(text(Columns.of("n", Integer.MIN_VALUE))).isEqualTo("-2147483648");
    assertThat(text(Columns.of("u", "caf\u00e9\t\u2603\\"))).isEqualTo("caf\u00e9\\t\u2603\\\\");
    assertThat(text(Columns.of("x", ByteBuffer.wrap(new byte[] {0x0a, (byte) 0xff})))).isEqualTo("\\\\x0aff");
  }

  @Test
  void aKeyIsStagedAsTheTextItsTombstoneHolds() {
    final java.util.List<java.util.List<ColumnValue>> keys = java.util.List.of(
        java.util.List.of(Columns.of("id", 42)),
        java.util.List.of(Columns.of("id", -7_000_000_000L)),
        java.util.List.of(Columns.of("order_id", 10248), Columns.of("product_id", 11)),
        java.util.List.of(Columns.of("code", "a\tb\\c|d")),
        java.util.List.of(Columns.of("code", "a|b\\"), Columns.of("n", "|c")),
        java.util.List.of(Columns.of("code", "caf\u00e9"), Columns.of("n", null)),
        java.util.List.of(Columns.of("b", ByteBuffer.wrap(new byte[] {1, (byte) 0xab}))));
    for (final java.util.List<ColumnValue> key : keys) {
      final CopyText text = new CopyText(4);
      text.keyText(key);
      final String stored = unescape(new String(text.bytes(), 0, text.length(), java.nio.charset.StandardCharsets.UTF_8));
      assertThat(stored).as("key %s", key).isEqualTo(Columns.keyText(key));
    }
  }

  /** What the server stores for one COPY text field: its escapes undone. */
  private static String unescape(final String field) {
    final StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      final char c = field.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      final char next = field.charAt(++i);
      out.append(switch (next) {
        case 't' -> '\t';
        case 'n' -> '\n';
        case 'r' -> '\r';
        default -> next;
      });
    }
    return out.toString();
  }
}
