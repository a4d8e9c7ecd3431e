package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry_connector_behind_source_seconds} says how far behind the legacy database the capture is now, not how
 * late its last change was: a capture that caught up and has nothing to read reads near 0 within a heartbeat. It stood
 * at the last change's delay for as long as the captured tables stayed quiet (a sandbox: 15.6 s for hours after one
 * bulk update of 200,000 rows), so a dashboard or an alert on it saw a capture far behind that was idle.
 */
class BehindSourceIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aQuietCaptureIsNotBehindItsSource() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_behind_source");
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("connector.initial-load", "kafka", "test")
        .with("connector.heartbeat-interval", "1s", "test"), EnumSet.of(Role.CONNECTOR),
        work.resolve("it_behind_source"));
    try (LegacyCapture first = new LegacyCapture(config.connector()).start()) {
      await().atMost(Duration.ofMinutes(2)).until(first::streaming);
    }
    // a change the capture reads late: committed while it is stopped, read at its next start
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      assertThat(s.executeUpdate("UPDATE orders SET freight = freight + 1 WHERE order_id = 10248")).isEqualTo(1);
    }
    Thread.sleep(6_000);
    try (LegacyCapture capture = new LegacyCapture(config.connector()).start()) {
      await().atMost(Duration.ofMinutes(1)).until(() -> capture.published() >= 1);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(capture.behindSourceMs()).as("behind the source, ms, while quiet")
              .isBetween(0L, 3_000L));
    }
  }
}
