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
}
