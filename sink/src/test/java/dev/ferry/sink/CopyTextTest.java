package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.PackedApplyRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
    assertThat(text(Columns.of("a", 45_296_000_001L, "time-micros"))).isEqualTo("12:34:56.000001");
    assertThat(text(Columns.of("e", 86_400_000_000L, "time-micros"))).as("the end of a day").isEqualTo("24:00:00");
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

  @Test
  void aPackedRowIsWrittenAsItsDecodedColumnsWouldBe() {
    // every value kind, logical types on each, text that needs escapes and text that is not ASCII
    final List<Object> values = java.util.Arrays.asList(null, true, false, 0, -17, Integer.MIN_VALUE, 9681,
        1_700_000_000_123_456L, 45_296_000_001L, 86_400_000_000L, Long.MIN_VALUE, 1.5f, -2.25e-3, "12.50", "x\ty\nz\\w\r", "\\N", "caf\u00e9 \u2603",
        "", ByteBuffer.wrap(new byte[] {0x0a, (byte) 0xff}));
    final List<String> logicals = java.util.Arrays.asList(null, "decimal", "date", "timestamp-micros", "time-micros",
        "json");
    final Random random = new Random(29);
    for (int n = 0; n < 500; n++) {
      final List<ColumnValue> row = new ArrayList<>();
      row.add(Columns.of("id", n));
      for (int c = 0; c < 1 + random.nextInt(8); c++) {
        final Object v = values.get(random.nextInt(values.size()));
        String logical = logicals.get(random.nextInt(logicals.size()));
        if ("timestamp-micros".equals(logical) && !(v instanceof Long l && l > 0)
            || "time-micros".equals(logical) && !(v instanceof Long l && l >= 0 && l <= 86_400_000_000L)
            || "date".equals(logical) && !(v instanceof Integer)) {
          logical = null; // a temporal type on another kind of value is not something the stages write
        }
        row.add(new ColumnValue("c" + c, v instanceof ByteBuffer b ? b.duplicate() : v, logical));
      }
      final ApplyRecord a = ApplyRecord.newBuilder().setTable("t").setOp(ApplyOp.UPSERT)
          .setKey(List.of(Columns.of("id", n))).setRow(row).setVersion(n).setSourceTable("public.t")
          .setSourceTsMs(0L).build();
      final CopyText expected = new CopyText(4);
      for (final ColumnValue v : row) {
        expected.value(v);
        expected.separator('\t');
      }
      final CopyText packed = new CopyText(4);
      packed.rowValues(PackedApplyRecord.pack(a));
      assertThat(new String(packed.bytes(), 0, packed.length(), StandardCharsets.UTF_8)).as("row %s", row)
          .isEqualTo(new String(expected.bytes(), 0, expected.length(), StandardCharsets.UTF_8));
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
