package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker goes away for 15 seconds while writers change orders on the legacy database (a single broker
 * restarted, a network partition): every service waits it out, and the target ends equal to the legacy database
 * with no order ever torn.
 */
class KafkaOutageIT {
  @TempDir
  Path work;

  @Test
  void aBrokerOutageMidWorkloadLosesNothingAndTearsNothing() throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"))) {
      final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_kafka_outage");
      try (Pipeline pipeline = new Pipeline(env.config()).start();
          Connection legacy = env.legacy(); Connection target = env.target()) {
        await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
        final TornOrderCheck check = TornOrderCheck.untilStopped(env, 20_000, 7);
        await().atMost(Duration.ofMinutes(1)).until(() -> check.transactions() >= 100);
        stack.kafka().stop();
        final int atStop = check.transactions();
        Thread.sleep(15_000);
        final int duringOutage = check.transactions() - atStop;
        stack.kafka().restart();
        await().atMost(Duration.ofMinutes(1)).until(() -> check.transactions() >= atStop + duringOutage + 100);
        check.stopWriting();
        assertThat(duringOutage).as("legacy transactions committed while the broker was down").isPositive();
        check.finish(legacy, target, Duration.ofMinutes(1), 200, 50, " (" + duringOutage + " legacy transactions "
            + "during the broker's outage)");
        assertThat(pipeline.sink().failed()).isZero();
      }
    }
  }
}
