package dev.ferry.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorLogTest {
  private static final Instant DAY1 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant DAY2 = Instant.parse("2026-12-02T10:00:00Z");

  @Test
  void aLetterIsResolvedByAPassThatReadItWhenItsRowHasHadNoLetterSince() {
    final List<ErrorLog.Letter> letters = List.of(
        new ErrorLog.Letter(DAY1, "WRITE", "sink.23514", true, "public.order_details 10248|2", 0, 5),
        new ErrorLog.Letter(DAY1, "VALIDATE", "quantity-positive", true, "public.order_details 10248|3", 1, 7),
        new ErrorLog.Letter(DAY1.plusSeconds(60), "VALIDATE", "ship-country-known", false, "public.orders 10250", 0, 6),
        // refused again after the replay
        new ErrorLog.Letter(DAY2.plusSeconds(5), "VALIDATE", "quantity-positive", true, "public.order_details 10248|3",
            1, 9));
    final RunHistory.Entry pass = new RunHistory.Entry(1, DAY2.plusSeconds(10), RunHistory.Kind.REPLAY, "replay pass",
        Map.of("ranges", Map.of("0", List.of(5, 6), "1", List.of(0, 8)), "rules", List.of(), "tables", List.of(),
            "dryRun", false, "startedMs", DAY2.toEpochMilli()), "host");
    final List<ErrorLog.Day> days = ErrorLog.perDay(letters, List.of(pass));
    assertThat(days).containsExactly(
        new ErrorLog.Day(LocalDate.parse("2026-12-01"), "quantity-positive", "error", 1, 1, 0),
        new ErrorLog.Day(LocalDate.parse("2026-12-01"), "ship-country-known", "warning", 1, 0, 0),
        new ErrorLog.Day(LocalDate.parse("2026-12-01"), "sink.23514", "error", 1, 1, 1),
        new ErrorLog.Day(LocalDate.parse("2026-12-02"), "quantity-positive", "error", 1, 0, 0));
  }

  @Test
  void aDryRunOrAPassFilteredToAnotherRuleResolvesNothing() {
    final List<ErrorLog.Letter> letters = List.of(
        new ErrorLog.Letter(DAY1, "WRITE", "sink.23514", true, "public.order_details 10248|2", 0, 5));
    final RunHistory.Entry dry = new RunHistory.Entry(1, DAY2, RunHistory.Kind.REPLAY, "dry",
        Map.of("ranges", Map.of("0", List.of(0, 10)), "dryRun", true), "host");
    final RunHistory.Entry other = new RunHistory.Entry(2, DAY2, RunHistory.Kind.REPLAY, "other rule",
        Map.of("ranges", Map.of("0", List.of(0, 10)), "rules", List.of("map.date"), "dryRun", false), "host");
    assertThat(ErrorLog.perDay(letters, List.of(dry, other))).containsExactly(
        new ErrorLog.Day(LocalDate.parse("2026-12-01"), "sink.23514", "error", 1, 0, 0));
  }
}
