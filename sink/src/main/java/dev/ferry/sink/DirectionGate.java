package dev.ferry.sink;

import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.LiveDirection;
import dev.ferry.schemas.LiveDirection.Direction;
import dev.ferry.schemas.LiveDirection.State;
import dev.ferry.schemas.LiveDirectionReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a sink apply only while its direction of the sync is live ({@link LiveDirection}): a reverse sink started
 * before cutover holds until the flip, a forward sink holds after it. The live direction is read once before the sink
 * applies anything, then followed on a thread of its own; the sink answers on the control topic whenever its state
 * changes, which is how {@code ferry cutover} knows the flip has reached it.
 */
final class DirectionGate implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectionGate.class);
  private final KafkaSettings kafka;
  private final String topic;
  private final String sink;
  private final Direction mine;
  private final LiveDirectionReader reader;
  private final Thread follower;
  private volatile State state;
  private volatile boolean running = true;
  private long answeredEpoch = -1;
  private boolean answeredLive;
  private long answeredHeld;

  DirectionGate(final KafkaSettings kafka, final String topic, final String sink, final Direction mine) {
    this.kafka = kafka;
    this.topic = topic;
    this.sink = sink;
    this.mine = mine;
    this.reader = new LiveDirectionReader(kafka, topic);
    try {
      this.state = reader.snapshot().state();
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
    this.follower = new Thread(this::follow, "ferry-sink-direction-" + sink);
    follower.setDaemon(true);
    follower.start();
  }

  /**
   * The gate of sink {@code sink}, read on a thread of its own: a sink joins its consumer group meanwhile (each took
   * seconds, one after the other). {@link #of} takes the result.
   */
  static CompletableFuture<DirectionGate> readBeside(final KafkaSettings kafka, final String topic, final String sink,
      final Direction mine) {
    return CompletableFuture.supplyAsync(() -> new DirectionGate(kafka, topic, sink, mine), task -> {
      final Thread t = new Thread(task, "ferry-sink-direction-read-" + sink);
      t.setDaemon(true);
      t.start();
    });
  }

  /** The gate {@code reading} read; its failure as the read threw it. */
  static DirectionGate of(final CompletableFuture<DirectionGate> reading) {
    try {
      return reading.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  /** Whether this sink's direction is live, so that it may apply. */
  boolean open() {
    return state.direction() == mine;
  }

  /** The live direction as last read. */
  State state() {
    return state;
  }

  /**
   * Answers on the control topic when this sink's state (applying or holding), the epoch or the records held for it
   * ({@code held}, as {@link HeldRecords} last counted them: {@code ferry status} shows them) changed since last time;
   * an answer Kafka does not take is tried again on the next call, never thrown.
   */
  void answer(final boolean live, final long held) {
    final State s = state;
    if (s.epoch() == answeredEpoch && live == answeredLive && held == answeredHeld) {
      return;
    }
    try {
      LiveDirection.answer(kafka, topic, "sink/" + sink, mine, live ? "live" : "standby", s.epoch(),
          held > 0 ? Map.of("held", held) : Map.of());
    } catch (RuntimeException e) {
      // the answer is for ferry cutover to see; the sink goes on applying (or holding) and answers next round
      LOG.warn("sink {} cannot answer on control topic {} ({}); trying again", sink, topic, e.getMessage());
      return;
    }
    if (s.epoch() != answeredEpoch || live != answeredLive) {
      LOG.info("sink {} ({} direction) {}: {} is live (epoch {}, set by {})", sink, mine.id(),
          live ? "applies" : "holds, applying nothing", s.direction().id(), s.epoch(), s.by());
    }
    answeredEpoch = s.epoch();
    answeredLive = live;
    answeredHeld = held;
  }

  private void follow() {
    try {
      while (running) {
        state = reader.poll(Duration.ofMillis(500)).state();
      }
    } catch (WakeupException e) {
      // closing
    } catch (Exception e) {
      LOG.error("sink {} stopped following the live direction on {}; it keeps the last it read ({})", sink, topic,
          state.direction().id(), e);
    } finally {
      reader.close();
    }
  }

  @Override
  public void close() {
    running = false;
    reader.wakeup();
    try {
      follower.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
