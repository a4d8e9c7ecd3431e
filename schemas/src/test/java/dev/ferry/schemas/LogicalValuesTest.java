package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class LogicalValuesTest {
  @Test
  void theEndOfADayIsItsTextForNoLocalTimeHoldsIt() {
    assertThat(LogicalValues.time(0L)).isEqualTo(LocalTime.MIDNIGHT);
    assertThat(LogicalValues.time(86_399_999_999L)).isEqualTo(LocalTime.of(23, 59, 59, 999_999_000));
    assertThat(LogicalValues.time(86_400_000_000L)).isEqualTo("24:00:00");
    assertThat(LogicalValues.temporal("time-micros", 86_400_000_000L)).isEqualTo("24:00:00");
  }

  @Test
  void pgjdbcsEndOfADayReadsBackAsTheEndOfADay() {
    // pgjdbc returns LocalTime.MAX for 24:00:00; a real time has at most microseconds
    assertThat(LogicalValues.timeMicros(LocalTime.MAX)).isEqualTo(LogicalValues.END_OF_DAY_MICROS);
    assertThat(LogicalValues.timeMicros(LocalTime.of(23, 59, 59, 999_999_000))).isEqualTo(86_399_999_999L);
    assertThat(LogicalValues.timeMicros(LocalTime.of(12, 34, 56, 1_000))).isEqualTo(45_296_000_001L);
  }
}
