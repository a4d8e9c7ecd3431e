package dev.ferry.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ColumnValue;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TargetColumnTest {
  private static final TargetColumn MONEY = TargetColumn.of("freight", Types.NUMERIC, "numeric", 10, 2);

  @Test
  void aDecimalComparesAtItsColumnsScaleWhateverTheLegacyTypeWas() {
    // a legacy real 18.6, mapped as is, and the target's numeric(10,2) 18.60
    assertThat(MONEY.mapped(new ColumnValue("freight", 18.6f, null))).isEqualTo("18.6");
    assertThat(MONEY.canonical(new BigDecimal("18.60"))).isEqualTo("18.6");
    // the target rounds half away from zero when it stores a value with more digits
    assertThat(MONEY.mapped(new ColumnValue("freight", "32.385", "decimal"))).isEqualTo("32.39");
    // one cent off is a difference
    assertThat(MONEY.canonical(new BigDecimal("18.61"))).isNotEqualTo(MONEY.canonical(new BigDecimal("18.60")));
    assertThat(MONEY.canonical(BigDecimal.ZERO.setScale(2))).isEqualTo("0");
  }

  @Test
  void aBitStringLongerThanOneBitComparesAsTextAndBitOneAsABoolean() {
    final TargetColumn flags = TargetColumn.of("flags", Types.BIT, "bit", 4, 0);
    assertThat(flags.kind()).isEqualTo(TargetColumn.Kind.TEXT);
    assertThat(flags.mapped(new ColumnValue("flags", "0010", null))).isEqualTo("0010");
    assertThat(TargetColumn.of("on", Types.BIT, "bit", 1, 0).kind()).isEqualTo(TargetColumn.Kind.BOOLEAN);
    assertThat(TargetColumn.of("active", Types.BIT, "BIT", 1, 0).kind()).as("MariaDB's tinyint(1)")
        .isEqualTo(TargetColumn.Kind.BOOLEAN);
  }

  @Test
  void moneyIsReadAsNumericAndComparesAsADecimal() {
    final TargetColumn price = TargetColumn.of("price", Types.DOUBLE, "money", 0, 0);
    assertThat(price.kind()).isEqualTo(TargetColumn.Kind.MONEY);
    assertThat(price.select("\"price\"")).isEqualTo("\"price\"::numeric");
    assertThat(price.mapped(new ColumnValue("price", "1234.56", "decimal"))).isEqualTo(price.canonical(
        new BigDecimal("1234.560")));
    assertThat(TargetColumn.of("d", Types.DOUBLE, "float8", 0, 0).select("\"d\"")).isEqualTo("\"d\"");
  }

  @Test
  void anUnconstrainedNumericKeepsEveryDigit() {
    final TargetColumn any = TargetColumn.of("n", Types.NUMERIC, "numeric", 0, 0);
    assertThat(any.canonical(new BigDecimal("3.14159265358979"))).isEqualTo("3.14159265358979");
    assertThat(TargetColumn.of("n", Types.NUMERIC, "numeric", 131089, 0).canonical(new BigDecimal("1.50")))
        .isEqualTo("1.5");
  }

  @Test
  void paddingKeyOrderAndZonesDoNotMakeADifference() {
    assertThat(TargetColumn.of("c", Types.CHAR, "bpchar", 10, 0).canonical("ALFKI     ")).isEqualTo("ALFKI");
    final TargetColumn json = TargetColumn.of("j", Types.OTHER, "jsonb", 0, 0);
    assertThat(json.canonical("{\"b\": 1, \"a\": [2]}")).isEqualTo(json.canonical("{\"a\":[2],\"b\":1}"));
    final TargetColumn tz = TargetColumn.of("t", Types.TIMESTAMP, "timestamptz", 35, 6);
    assertThat(tz.mapped(new ColumnValue("t", "2026-02-28T11:14:15.500000Z", "timestamp-tz")))
        .isEqualTo(tz.canonical(OffsetDateTime.of(2026, 2, 28, 13, 14, 15, 500_000_000, ZoneOffset.ofHours(2))));
  }

  @Test
  void datesAndTimestampsCompareAsTheTargetHoldsThem() {
    final TargetColumn date = TargetColumn.of("d", Types.DATE, "date", 13, 0);
    assertThat(date.mapped(new ColumnValue("d", (int) LocalDate.of(2026, 2, 28).toEpochDay(), "date")))
        .isEqualTo(date.canonical(LocalDate.of(2026, 2, 28)));
    final TargetColumn ts = TargetColumn.of("ts", Types.TIMESTAMP, "timestamp", 29, 6);
    assertThat(ts.mapped(new ColumnValue("ts", 1_772_284_455_123_456L, "timestamp-micros")))
        .isEqualTo(ts.canonical(LocalDateTime.of(2026, 2, 28, 13, 14, 15, 123_456_000)))
        .isEqualTo("2026-02-28 13:14:15.123456");
  }

  @Test
  void booleansBytesAndNullsHaveOneForm() {
    final TargetColumn bool = TargetColumn.of("b", Types.BIT, "bool", 1, 0);
    assertThat(bool.mapped(new ColumnValue("b", true, null))).isEqualTo(bool.canonical(1)).isEqualTo("true");
    final TargetColumn bytes = TargetColumn.of("by", Types.BINARY, "bytea", 0, 0);
    assertThat(bytes.mapped(new ColumnValue("by", ByteBuffer.wrap(new byte[] {0, -1, 16}), null))).isEqualTo("00ff10");
    assertThat(MONEY.mapped(new ColumnValue("freight", null, "decimal"))).isNull();
  }

  @Test
  void aValueTheColumnCannotHoldStaysItselfAndSoDiffers() {
    assertThat(MONEY.canonical("not a number")).isEqualTo("not a number");
  }
}
