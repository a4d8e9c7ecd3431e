package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.sink.TargetSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connector publishes a batch of source transactions, their commit markers included, in one Kafka
 * transaction with no round trip per source transaction. Killed with SIGKILL (its own PID) twice while
 * two writers commit orders with their lines: nothing is lost (the target ends equal to the legacy
 * database), nothing is torn (a reader polling the target never sees an order without the lines its
 * transaction wrote), although a killed batch's events were already sent.
 */
class ConnectorCrashIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void twoKillNinesOfTheConnectorDuringAWorkloadLoseNothingAndTearNothing() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_connector_crash");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("connector.yaml"), java.util.Set.of());
    final Random random = new Random(11);
    try (TargetSink sink = new TargetSink(env.config().sink()).start();
        StreamProcessor processor = new StreamProcessor(env.config().processor()).start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      Process connector = start(file);
      try {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> RowCounts.of(legacy, target).match());
        // each run is killed once it is capturing (a marker order committed after its start is applied), at a
        // random moment after; the writers keep writing until the last run is capturing
        final TornOrderCheck check = TornOrderCheck.untilStopped(env, 20_000, 20);
        try {
          for (int kill = 1; kill <= 2; kill++) {
            MarkerOrder.awaitThroughPipeline(legacy, target, 19_000 + kill, connector);
            Thread.sleep(300 + random.nextInt(2_500));
            assertThat(connector.isAlive()).as("connector %d still running before its kill", kill).isTrue();
            connector.destroyForcibly();
            assertThat(connector.waitFor(30, TimeUnit.SECONDS)).isTrue();
            connector = start(file);
          }
          MarkerOrder.awaitThroughPipeline(legacy, target, 19_003, connector);
        } finally {
          check.stopWriting();
        }
        check.finish(legacy, target, Duration.ofMinutes(3), 300, 50, " (the connector's restarts: " + restarts() + ")");
        assertThat(sink.failed()).isZero();
      } finally {
        connector.destroy();
        if (!connector.waitFor(60, TimeUnit.SECONDS)) {
          connector.destroyForcibly();
        }
      }
    }
  }

  /**
   * A position file left empty stops the connector as it ships, before anything starts, naming the file and the ways
   * on. Kafka's own file store left the file so when a kill came while it was writing, read it as no position, and
   * the restarted capture took a new initial snapshot of every table: on a live target its rows arrive one by one,
   * and the reader of the test above saw dozens of orders torn (CI, session 23's last run). Ferry's store writes
   * the file whole or not at all ({@code SourcePositionFileIT}), so only a file damaged some other way (or by an
   * earlier Ferry) comes here.
   */
  @Test
  void aPositionFileLeftEmptyStopsTheConnectorInsteadOfStartingOverWithASnapshot() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_connector_no_position");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("connector.yaml"), java.util.Set.of());
    final Path offsets = env.config().connector().offsetFile();
    Files.createDirectories(offsets.toAbsolutePath().getParent());
    // as Kafka's store left it when the kill came between its truncation and its write
    Files.createFile(offsets);
    final Process refused = ServiceProcess.start("connector", file, Map.of(), work.resolve("refused.log"));
    try {
      assertThat(refused.waitFor(2, TimeUnit.MINUTES)).as("the connector stopped by itself").isTrue();
      assertThat(refused.exitValue()).isNotZero();
      assertThat(Files.readString(work.resolve("refused.log")))
          .contains("connector.offset-file " + offsets.toAbsolutePath() + " holds no readable source position "
              + "(the file is empty")
          .contains("delete it to capture again from a new snapshot")
          .doesNotContain("snapshot of [").doesNotContain("capture it_connector_no_position started");
      assertThat(Files.size(offsets)).as("the position file, left as it was").isZero();
      try (Connection legacy = env.legacy()) {
        assertThat(TestDatabases.count(legacy, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
            + env.config().connector().slotName() + "'")).as("replication slots made").isZero();
      }
    } finally {
      refused.destroyForcibly();
      refused.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * What the connector's log says about where each run resumed, and whether it took a snapshot, for a failure's
   * message: a torn order is seen rarely, so the evidence is kept with the failure (the restarts' lines were what
   * showed a restart re-reading every table, see the test below).
   */
  private String restarts() throws java.io.IOException {
    final Path log = work.resolve("connector.log");
    if (!Files.exists(log)) {
      return "no log";
    }
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains("began before") || l.contains("capture") && l.contains("started")
          || l.contains("WalPositionLocator") || l.contains("restart from") || l.contains("Will restart")
          || l.contains("snapshot"))
          .map(String::trim).collect(java.util.stream.Collectors.joining("\n  ", "\n  ", ""));
    }
  }

  private Process start(final Path config) throws Exception {
    return ServiceProcess.start("connector", config, Map.of(), work.resolve("connector.log"));
  }
}
