package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture stopped while Debezium starts its tasks stops: Debezium refuses to close an engine then ("Cannot stop
 * engine while tasks are starting"), and the capture used to give up on the close and wait a minute for an engine
 * that went on to stream (seen in every other end-to-end migration benchmark: the connector stopped right after its
 * direct load, as it began streaming).
 */
class CaptureStopIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aCaptureStoppedWhileDebeziumStartsItsTasksStops() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_capture_stop");
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("connector.initial-load", "kafka", "test")
        .with("debezium.converters", "ferrytext,held", "test")
        .with("debezium.held.type", HeldAtTaskStart.class.getName(), "test"), EnumSet.of(Role.CONNECTOR),
        work.resolve("it_capture_stop"));
    HeldAtTaskStart.STARTING = new CountDownLatch(1);
    HeldAtTaskStart.RELEASE = new CountDownLatch(1);
    final LegacyCapture capture = new LegacyCapture(config.connector()).start();
    try {
      assertThat(HeldAtTaskStart.STARTING.await(60, TimeUnit.SECONDS)).as("Debezium starts its task").isTrue();
      final CompletableFuture<Void> stop = CompletableFuture.runAsync(capture::close);
      // the close meets the starting task first (refused by Debezium), then the task's start goes on
      Thread.sleep(1_000);
      assertThat(stop).as("the stop waits for the task's start").isNotDone();
      HeldAtTaskStart.RELEASE.countDown();
      stop.get(90, TimeUnit.SECONDS);
      assertThat(capture.finished()).as("the engine stopped, not left streaming").isDone();
    } finally {
      HeldAtTaskStart.RELEASE.countDown();
      capture.close();
    }
  }
}
