package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.sink.TargetSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream processor in its own JVM, killed with SIGKILL (its own PID) twice while two writers commit
 * orders with their lines. What it held at each kill is what its last exactly-once commit wrote: the events
 * of source transactions still being collected are kept in memory between commits and reach RocksDB and the
 * changelog only at a commit ({@code ShortLivedStore}). Nothing may be lost (the target
 * ends equal to the legacy database) and nothing torn (a reader polling the target never sees an order without
 * the lines its transaction wrote), nothing refused.
 */
class ProcessorCrashIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void killNinesOfTheProcessorDuringAWorkloadLoseNothingAndTearNothing() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_processor_crash");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("processor.yaml"), Set.of());
    final Random random = new Random(17);
    try (TargetSink sink = new TargetSink(env.config().sink()).start();
        LegacyCapture capture = env.config().newCapture().start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      Process processor = start(file, 0);
      try {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> RowCounts.of(legacy, target).match());
        // each run is killed once it is processing (a marker order committed after its start is applied), at a
        // random moment after; the writers keep writing until the last run is processing
        final TornOrderCheck check = TornOrderCheck.untilStopped(env, 22_000, 40);
        try {
          // two kills, not three as until session 43, for the suite's time (each costs a JVM's and Kafka Streams' start)
          for (int kill = 1; kill <= 2; kill++) {
            MarkerOrder.awaitThroughPipeline(legacy, target, 21_000 + kill, processor);
            Thread.sleep(300 + random.nextInt(1_500));
            assertThat(processor.isAlive()).as("processor %d still running before its kill", kill).isTrue();
            processor.destroyForcibly();
            assertThat(processor.waitFor(30, TimeUnit.SECONDS)).isTrue();
            processor = start(file, kill);
          }
          MarkerOrder.awaitThroughPipeline(legacy, target, 21_003, processor);
        } finally {
          check.stopWriting();
        }
        check.finish(legacy, target, Duration.ofMinutes(3), 300, 50, "");
        assertThat(sink.failed()).isZero();
        assertThat(DeadLettersRead.refusals(stack, env.config()))
            .as("rows dead-lettered (orphans, torn transactions)").isEmpty();
      } finally {
        processor.destroy();
        if (!processor.waitFor(60, TimeUnit.SECONDS)) {
          processor.destroyForcibly();
        }
      }
    }
  }

  private Process start(final Path config, final int run) throws Exception {
    return ServiceProcess.start("processor", config, Map.of(), work.resolve("processor-" + run + ".log"));
  }
}
