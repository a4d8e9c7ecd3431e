package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.PackedApplyRecord;
import java.nio.charset.StandardCharsets;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundedDecimalTest {
  private static final TargetTable PRICED = new TargetTable("public", "priced",
      Map.of("id", Types.INTEGER, "amount", Types.NUMERIC, "rate", Types.NUMERIC, "note", Types.VARCHAR),
      List.of("id"), Set.of(), Set.of(), Map.of(), Map.of("amount", 2), false);

  @Test
  void onlyADecimalWithMoreSignificantDigitsThanTheScaleIsRefused() {
    assertThat(RoundedDecimal.roundedAt("1.125", 2)).isTrue();
    assertThat(RoundedDecimal.roundedAt("1.12", 2)).isFalse();
    assertThat(RoundedDecimal.roundedAt("1.1200000", 2)).as("trailing zeros").isFalse();
    assertThat(RoundedDecimal.roundedAt("-0.001", 2)).isTrue();
    assertThat(RoundedDecimal.roundedAt("12", 0)).isFalse();
    assertThat(RoundedDecimal.roundedAt("1.5E-3", 2)).as("an exponent").isTrue();
    assertThat(RoundedDecimal.roundedAt("1.5E+3", 0)).isFalse();
    assertThat(RoundedDecimal.roundedAt("NaN", 2)).as("not a number: the target's to refuse").isFalse();
    assertThat(digits("12.3400")).isEqualTo(4);
    assertThat(digits("1234")).isZero();
    assertThat(digits("1e5")).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void theCheckNamesTheColumnAndValueAndLeavesColumnsWithoutAScaleAlone() {
    final RoundedDecimal.Check check = new RoundedDecimal.Check();
    assertThat((Throwable) check.of(row("9.870", "0.333333", "1.23456"), PRICED)).as("amount fits; rate and note have no scale")
        .isNull();
    final RoundedDecimal r = check.of(row("0.125", "0.5", "x"), PRICED);
    assertThat((Throwable) r).isNotNull();
    assertThat(r.column()).isEqualTo("amount");
    assertThat(r.value()).isEqualTo("0.125");
    assertThat(r.scale()).isEqualTo(2);
    assertThat(r.getMessage()).contains("has 3 digits after the decimal point and priced.amount keeps 2");
    assertThat((Throwable) check.of(row(null, "1", "y"), PRICED)).isNull();
  }

  private static int digits(final String text) {
    final byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return RoundedDecimal.digitsAfterPoint(b, 0, b.length);
  }

  private static PackedApplyRecord row(final String amount, final String rate, final String note) {
    return PackedApplyRecord.pack(ApplyRecord.newBuilder().setTable("priced").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 1)))
        .setRow(List.of(Columns.of("id", 1), Columns.of("rate", rate, "decimal"),
            Columns.of("amount", amount, "decimal"), Columns.of("note", note)))
        .setVersion(1).setSourceTable("public.priced").setSourceTsMs(0).build());
  }
}
