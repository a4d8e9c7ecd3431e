package dev.ferry.connector;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's embedded engine for one capture, run until the capture is closed or fails for good; a new engine is built
 * from the stored position when one stops because the legacy server went away while it started (the connector's
 * validation or the task's start: {@link ServerGone}).
 *
 * <p>Why: Debezium retries a failure while it streams and a refused connection at a task start, but a connection
 * that dies while the connector validates its configuration or a task starts stops the whole engine ("Connector
 * configuration is not valid", "Couldn't get timestamp utils from underlying connection"), and with it a capture
 * that would otherwise have waited for the server like any other outage. A new engine resumes exactly where the old
 * one's stored position says (a Debezium task restart does the same), once the server takes a connection again: looked
 * for after {@link #FIRST_WAIT}, then twice as long apart each time up to {@link #LONGEST_WAIT}, for as long as the
 * server is gone, as Debezium itself retries a stream without limit here. Any other failure ends the capture as
 * before, explained by {@link CaptureFailure}.
 *
 * <p>Closing: Debezium refuses to close an engine while it starts its tasks; {@link #close()} tries again until the
 * start is over, bounded by {@link #START_WAIT}.
 */
final class CaptureEngine {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureEngine.class);
  /** How long a stop waits for Debezium to finish starting its tasks, which it must before it can be closed. */
  private static final Duration START_WAIT = Duration.ofSeconds(30);
  static final Duration FIRST_WAIT = Duration.ofSeconds(1);
  static final Duration LONGEST_WAIT = Duration.ofSeconds(30);
  /** An engine that ran this long before it stopped starts the waits over from {@link #FIRST_WAIT}. */
  private static final Duration RAN_LONG = Duration.ofMinutes(2);

  private final ConnectorConfig config;
  private final Properties debezium;
  private final DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> consumer;
  private final CaptureFailure failure;
  /** Guards {@link #closing} and {@link #running}: an engine is closed only while it runs. */
  private final Object lifecycle = new Object();
  private boolean closing;
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> running;
  private volatile long restarts;
  /** While no engine runs because the server is gone: since when, and why; null otherwise. */
  private volatile String waiting;

  CaptureEngine(final ConnectorConfig config, final Properties debezium,
      final DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> consumer, final CaptureFailure failure) {
    this.config = config;
    this.debezium = debezium;
    this.consumer = consumer;
    this.failure = failure;
  }

  /**
   * Runs engines on the calling thread until one stops normally, {@link #close()} is called, {@code finished} is
   * completed elsewhere, or one fails for another reason than a legacy server gone; completes {@code finished}
   * accordingly (exceptionally with the engine's error in the last case).
   */
  void run(final CompletableFuture<Void> finished) {
    Duration wait = FIRST_WAIT;
    while (true) {
      final Outcome outcome = new Outcome();
      final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(
              ChangeEventFormat.of(Connect.class))
          .using(debezium)
          .using(outcome::record)
          .notifying(consumer)
          .build();
      synchronized (lifecycle) {
        if (closing) {
          finished.complete(null);
          return;
        }
        running = engine;
      }
      final long began = System.nanoTime();
      engine.run(); // the engine calls its completion callback before it returns
      final boolean closed;
      synchronized (lifecycle) {
        running = null;
        closed = closing;
      }
      if (outcome.success || closed || finished.isDone()) {
        finished.complete(null);
        return;
      }
      final String gone = ServerGone.reason(outcome.message, outcome.error);
      if (gone == null) {
        LOG.error(failure.explain(outcome.message, outcome.error), outcome.error);
        finished.completeExceptionally(outcome.error != null ? outcome.error
            : new IllegalStateException(outcome.message));
        return;
      }
      if (System.nanoTime() - began > RAN_LONG.toNanos()) {
        wait = FIRST_WAIT;
      }
      restarts++;
      LOG.warn("capture {}: Debezium stopped because legacy server {} went away while it started ({}: {}); a new "
          + "engine starts from the stored position once the server answers, looked for in {} s ({} so far)",
          config.name(), config.server(), outcome.message, gone, wait.toSeconds(), restarts);
      waiting = "since " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + gone + " (Debezium stopped as it "
          + "started; a new engine starts once the server answers)";
      wait = awaitServer(wait);
      waiting = null;
      if (wait == null) {
        finished.complete(null);
        return;
      }
    }
  }

  /**
   * Waits {@code wait}, then until the legacy server takes a connection, looking twice as long apart each time (up to
   * {@link #LONGEST_WAIT}): an engine built while the server is gone only fails again, with Debezium's stack traces.
   * A connection refused for another reason (a password changed meanwhile) ends the wait: the engine then says why.
   *
   * @return the wait before the next look, should the next engine stop the same way; null when closed meanwhile
   */
  private Duration awaitServer(final Duration first) {
    Duration wait = first;
    while (pause(wait)) {
      wait = longer(wait);
      try (Connection c = config.connect()) {
        LOG.info("capture {}: legacy server {} answers again; starting Debezium", config.name(), config.server());
        return wait;
      } catch (SQLException e) {
        final String gone = ServerGone.reason(e.getMessage(), e);
        if (gone == null) {
          return wait;
        }
        LOG.warn("capture {}: legacy server {} still cannot be reached ({}); looking again in {} s", config.name(),
            config.server(), gone, wait.toSeconds());
      }
    }
    return null;
  }

  /** Twice {@code wait}, at most {@link #LONGEST_WAIT}. */
  static Duration longer(final Duration wait) {
    final Duration twice = wait.multipliedBy(2);
    return twice.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : twice;
  }

  /** Engines built again because the legacy server went away while one started, since the capture started. */
  long restarts() {
    return restarts;
  }

  /**
   * While the capture waits for a legacy server gone as Debezium started: since when and why ({@code since <time>:
   * <reason> ...}); null while an engine runs.
   */
  String waiting() {
    return waiting;
  }

  /** True once {@link #close()} has begun. */
  boolean closing() {
    synchronized (lifecycle) {
      return closing;
    }
  }

  /**
   * Stops the running engine (which stores its acknowledged position), and any engine to come; a wait between
   * engines ends at once. Idempotent.
   */
  void close() {
    final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    synchronized (lifecycle) {
      closing = true;
      engine = running;
      lifecycle.notifyAll();
    }
    if (engine != null) {
      close(engine);
    }
  }

  /** Waits {@code wait} unless closed meanwhile; false when closed. */
  private boolean pause(final Duration wait) {
    final long until = System.nanoTime() + wait.toNanos();
    synchronized (lifecycle) {
      while (!closing) {
        final long left = until - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        try {
          lifecycle.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return false;
    }
  }

  /**
   * Closes {@code engine}, again while it refuses because it is starting its tasks ("Cannot stop engine while tasks
   * are starting"; a capture stopped right after its direct load, as it began streaming): the refused close left the
   * engine running, and the stop waited its full minute for a thread that never ended.
   */
  private void close(final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine) {
    final long deadline = System.nanoTime() + START_WAIT.toNanos();
    while (true) {
      try {
        engine.close();
        return;
      } catch (IllegalStateException e) {
        if (!startingTasks(e) || System.nanoTime() > deadline) {
          LOG.warn("error while stopping capture {}: {}", config.name(), e.toString());
          return;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (IOException | RuntimeException e) {
        // Debezium refuses to close an engine that already stopped on a failure ("already shut down")
        LOG.warn("error while stopping capture {}: {}", config.name(), e.toString());
        return;
      }
    }
  }

  private static boolean startingTasks(final IllegalStateException e) {
    return e.getMessage() != null && e.getMessage().contains("tasks are starting");
  }

  /** What one engine's completion callback said. */
  private static final class Outcome {
    private volatile boolean success;
    private volatile String message;
    private volatile Throwable error;

    void record(final boolean success, final String message, final Throwable error) {
      this.success = success;
      this.message = message;
      this.error = error;
    }
  }
}
