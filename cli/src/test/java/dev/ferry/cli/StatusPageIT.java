package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of the all-in-one run (demo, sandbox), in headless Chromium while the Northwind sync runs: it
 * renders with live figures (counters and their rates, the live direction, the last runs, the dead letters of the
 * last day per rule) and no console error. A screenshot is kept in {@code target/status-page/}. Skips, saying why,
 * where Debian's chromium is not installed.
 */
class StatusPageIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void theStatusPageRendersLiveFiguresInABrowserWithoutErrors() throws Exception {
    final HeadlessChromium chromium = HeadlessChromium.in(work);
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_status");
    try (Pipeline pipeline = new Pipeline(env.config()).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 0 WHERE order_id = 10248 AND product_id = 11");
      }
      await().atMost(Duration.ofMinutes(1)).until(() -> DeadLetterReader.all(stack, env.config()).size() == 1);
      final String url = pipeline.ops().url();
      final Path shots = Files.createDirectories(Path.of("target", "status-page"));
      chromium.render(url, shots.resolve("first-look.png"));
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE orders SET freight = freight + 1 WHERE order_id BETWEEN 10250 AND 10299");
      }
      await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.sink().lag() == 0
          && pipeline.sink().applied() >= 3153 + 50);
      final String dom = chromium.render(url, shots.resolve("status.png"));
      assertThat(dom).contains("Ferry all-in-one: <span class=\"ok\">ready</span>")
          .contains("<td>capture</td><td class=\"ok\">ready</td><td>streaming from the legacy database</td>")
          .contains("<h2>Live direction</h2>").containsPattern("<td>forward</td><td>0</td><td>never flipped</td>")
          .contains("<h2>Last runs</h2>").contains("<td>sink-start</td>")
          .contains("<h2>Dead letters in the last 24 hours</h2>").containsPattern(
              "<td>(VALIDATE|MAP)</td><td>quantity-positive</td><td>1</td>")
          .contains("ferry.sink.rows.applied").contains("ferry.connector.events.captured");
      // the rows applied since the first look show as a rate
      assertThat(dom).containsPattern("<td>ferry\\.sink\\.rows\\.applied</td><td>group=it_status-sink</td><td class="
          + "\"n\">[0-9,]+</td><td class=\"n\">[0-9,]*[1-9][0-9,]*\\.[0-9]</td>");
    }
  }
}
