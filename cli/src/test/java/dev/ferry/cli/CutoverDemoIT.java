package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.CutoverDemo;
import dev.ferry.config.ConfigSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/ferry demo --cutover --once}: its own stack, the whole cutover story, and its verdict. */
class CutoverDemoIT {
  @TempDir
  Path work;

  @Test
  void tellsTheCutoverStoryAndEndsWithBothDatabasesEqualAndNothingEchoed() throws Exception {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final boolean ok;
    // what a user's shell gives the demo: a tuning applies to both directions; a place (Kafka here) is the demo's own,
    // in both directions (with this one the reverse direction's services would not start)
    final ConfigSource environment = ConfigSource.empty().withEnvironment(
        Map.of("FERRY_SINK_BATCH_SIZE", "700", "FERRY_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9"),
        FerryConfig.ALL);
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      ok = new CutoverDemo(out, work, environment).run();
    }
    final String text = buffer.toString(StandardCharsets.UTF_8);
    final List<String> lines = text.lines().toList();
    assertThat(ok).as(text).isTrue();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("RESULT: both databases match through the mappings, and "
        + "nothing echoed");
    assertThat(lines).contains("From the environment: FERRY_SINK_BATCH_SIZE (both directions)");
    assertThat(text).contains("reverse is live from now (epoch 1)").contains("forward is live from now (epoch 2)")
        .contains("New application: 60 transactions")
        .contains("its apply topic took 0 records while the reverse direction was live")
        .contains("its apply topic took 0 records after the rollback")
        .contains("Reconciliation through the forward mapping: 0 unexplained")
        .contains("The legacy application tries to write once more: refused (ERROR: ferry: public.orders is fenced by "
            + "cutover ").contains("lifted the fence from ");
    assertThat(lines).anyMatch(l -> l.matches("Echo check: the forward processor dropped [1-9][0-9]* transactions.*"));
    // the cutover moved the target's identity past the synced orders, and the new application's first order took it
    final java.util.regex.Matcher moved = java.util.regex.Pattern.compile("sales_order\\.id \\([^)]*\\): next value 1 "
        + "-> ([0-9,]+) \\(the column's largest is ([0-9,]+)\\)").matcher(text);
    assertThat(moved.find()).as(text).isTrue();
    final int next = Integer.parseInt(moved.group(1).replace(",", ""));
    assertThat(next).isEqualTo(Integer.parseInt(moved.group(2).replace(",", "")) + 1).isGreaterThan(11_000);
    assertThat(text).contains(String.format(java.util.Locale.ROOT, "numbered by its identity from %,d", next));
    assertThat(lines).anyMatch(l -> l.matches("orders +-> sales_order +source +[0-9,]+ +target +[0-9,]+ +OK"));
    assertThat(work.resolve("report").resolve("reconcile-to-reverse").resolve("reconcile.html")).exists();
  }
}
