package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Values in COPY's text format, where a stray tab or backslash would shift or corrupt columns. */
class CopyUpsertTest {
  private static String text(final ColumnValue v) {
    final StringBuilder sb = new StringBuilder();
    CopyUpsert.text(v, sb);
    return sb.toString();
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
    assertThat(text(Columns.of("x", ByteBuffer.wrap(new byte[] {0x0a, (byte) 0xff})))).isEqualTo("\\\\x0aff");
  }
}
