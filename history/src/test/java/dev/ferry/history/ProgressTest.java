package dev.ferry.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void onATerminalABarIsRedrawnInPlaceAndTheSummaryReplacesIt() throws Exception {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final Progress.Task task = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)
        .start("mapping public.orders", 1_000, "rows");
    task.advance(500);
    Thread.sleep(250);
    task.advance(1);
    task.end("  public.orders: 1,000 rows");
    final String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("\r\033[2K  mapping public.orders [###############...............]  50% 501/1,000 rows, ")
        .endsWith("\r\033[2K  public.orders: 1,000 rows" + System.lineSeparator());
  }

  @Test
  void elsewhereItPrintsPlainLinesOnlyNowAndThen() {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final Progress.Task task = Progress.plain(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .start("reading dead letters", 10, "letters");
    for (int i = 0; i < 10; i++) {
      task.advance(1);
    }
    task.end("  10 dead letters read");
    // no line in the first five seconds, no control characters
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("  10 dead letters read" + System.lineSeparator());
  }
}
