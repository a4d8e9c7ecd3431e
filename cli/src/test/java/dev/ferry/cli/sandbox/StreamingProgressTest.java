package dev.ferry.cli.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.StopSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming sandbox's lines: one per period in which something moved, none while idle. */
class StreamingProgressTest {
  private static final long NOW = 1_700_000_010_000L;

  @Test
  void aPeriodWithWorkSaysRatesLagAndTheNewestChangesAge() {
    final StreamingProgress p = new StreamingProgress(() -> null, s -> { }, () -> NOW);
    final String line = p.line(new StreamingProgress.Counts(1_000, 900, 0, 0, 0, 0),
        new StreamingProgress.Counts(21_000, 15_900, 5_100, 2, 1, NOW - 1_500), Duration.ofSeconds(10));
    assertThat(line).isEqualTo("streaming: events captured 21,000 (2,000/s) | rows applied 15,900 (1,500/s) | lag "
        + "5,100 | parked 2 | dead letters (write) 1 | newest applied change made 1.5 s ago");
  }

  @Test
  void nothingAppliedYetLeavesTheAgeOut() {
    final StreamingProgress p = new StreamingProgress(() -> null, s -> { }, () -> NOW);
    assertThat(p.line(new StreamingProgress.Counts(0, 0, 0, 0, 0, 0), new StreamingProgress.Counts(5, 0, 5, 0, 0, 0),
        Duration.ofSeconds(10))).endsWith("dead letters (write) 0");
  }

  @Test
  void idlePeriodsSayNothingAndEachPeriodWithWorkOneLine() throws Exception {
    final StopSignal stop = StopSignal.none();
    final Iterator<StreamingProgress.Counts> looks = List.of(
        new StreamingProgress.Counts(10, 10, 0, 0, 0, NOW),   // at the start
        new StreamingProgress.Counts(10, 10, 0, 0, 0, NOW),   // idle
        new StreamingProgress.Counts(30, 10, 20, 0, 0, NOW),  // captured
        new StreamingProgress.Counts(30, 30, 0, 0, 0, NOW),   // applied
        new StreamingProgress.Counts(30, 30, 0, 0, 0, NOW),   // idle
        new StreamingProgress.Counts(30, 30, 0, 0, 1, NOW)    // dead-lettered
    ).iterator();
    final List<String> said = new ArrayList<>();
    new StreamingProgress(() -> {
      final StreamingProgress.Counts c = looks.next();
      if (!looks.hasNext()) {
        stop.request();
      }
      return c;
    }, said::add, () -> NOW).run(stop, Duration.ofMillis(1));
    assertThat(said).hasSize(3);
    assertThat(said.get(0)).startsWith("streaming: events captured 30 (").contains("rows applied 10 (0/s) | lag 20");
    assertThat(said.get(1)).contains("rows applied 30 (").contains("lag 0");
    assertThat(said.get(2)).contains("dead letters (write) 1");
  }
}
