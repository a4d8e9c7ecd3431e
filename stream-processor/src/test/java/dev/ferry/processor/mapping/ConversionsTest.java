package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.schemas.ColumnValue;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

class ConversionsTest {
  private static ColumnValue in(final Object v) {
    return new ColumnValue("src", v, null);
  }

  @Test
  void legacyRealMoneyBecomesTheDecimalTheLegacyApplicationShowed() {
    final Conversion money = Conversions.decimal(2, RoundingMode.HALF_EVEN);
    assertThat(money.apply(in(0.05f), "x")).isEqualTo(new ColumnValue("x", "0.05", "decimal"));
    assertThat(money.apply(in(32.38f), "x").getValue()).isEqualTo("32.38");
    assertThat(money.apply(in(12.345f), "x").getValue()).isEqualTo("12.34");
    assertThat(money.apply(in(12.355f), "x").getValue()).isEqualTo("12.36");
    assertThat(money.apply(in("7"), "x").getValue()).isEqualTo("7.00");
    assertThat(money.apply(in(null), "x")).isEqualTo(new ColumnValue("x", null, "decimal"));
  }

  @Test
  void halfUpRoundsTiesAwayFromZero() {
    assertThat(Conversions.decimal(2, RoundingMode.HALF_UP).apply(in(12.345f), "x").getValue()).isEqualTo("12.35");
  }

  @Test
  void notANumberIsAConversionErrorNamingTheValue() {
    assertThatThrownBy(() -> Conversions.decimal(2, RoundingMode.HALF_EVEN).apply(in("12,5"), "x"))
        .isInstanceOfSatisfying(ConversionException.class, e -> {
          assertThat(e.rule()).isEqualTo("map.decimal");
          assertThat(e.getMessage()).contains("'12,5'");
        });
  }

  @Test
  void integersAreNeverSilentlyTruncated() {
    assertThat(Conversions.integer().apply(in("42"), "x").getValue()).isEqualTo(42);
    assertThat(Conversions.integer().apply(in(7L), "x").getValue()).isEqualTo(7);
    assertThatThrownBy(() -> Conversions.integer().apply(in(2.5f), "x")).isInstanceOf(ConversionException.class);
    assertThatThrownBy(() -> Conversions.integer().apply(in(1L << 40), "x")).isInstanceOf(ConversionException.class);
  }

  @Test
  void aNaiveLegacyTimestampIsReadInItsDeclaredZoneAndStoredAsUtc() {
    final Conversion c = Conversions.timestamp(java.util.List.of("yyyy-MM-dd HH:mm:ss"),
        java.time.ZoneId.of("Europe/Berlin"));
    final long micros = java.time.Instant.parse("2026-07-01T10:00:00Z").toEpochMilli() * 1000;
    assertThat(c.apply(in("2026-07-01 12:00:00"), "x")).isEqualTo(new ColumnValue("x", micros, "timestamp-micros"));
    assertThat(c.apply(in("2026-01-15 12:00:00"), "x").getValue())
        .isEqualTo(java.time.Instant.parse("2026-01-15T11:00:00Z").toEpochMilli() * 1000);
    assertThatThrownBy(() -> c.apply(in("yesterday"), "x")).isInstanceOf(ConversionException.class)
        .hasMessageContaining("'yesterday' in src is not a timestamp in yyyy-MM-dd HH:mm:ss");
  }

  @Test
  void datesAreStrict() {
    final Conversion c = Conversions.date(java.util.List.of("dd.MM.yyyy"), java.time.ZoneOffset.UTC);
    assertThat(c.apply(in("29.02.2024"), "x").getValue()).isEqualTo((int) java.time.LocalDate.of(2024, 2, 29)
        .toEpochDay());
    assertThatThrownBy(() -> c.apply(in("29.02.2026"), "x")).isInstanceOf(ConversionException.class);
  }

  @Test
  void paddedCharIsTrimmedAndEmptyBecomesNullWhenAsked() {
    assertThat(Conversions.text(true, true).apply(in("ALFKI   "), "x").getValue()).isEqualTo("ALFKI");
    assertThat(Conversions.text(true, true).apply(in("   "), "x").getValue()).isNull();
    assertThat(Conversions.text(true, false).apply(in("   "), "x").getValue()).isEqualTo("");
    assertThat(Conversions.text(false, false).apply(in(" a "), "x").getValue()).isEqualTo(" a ");
  }
}
