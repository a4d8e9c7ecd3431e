package dev.ferry.cli;

import dev.ferry.schemas.PipelineLag;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Tells when a running pipeline has drained: the capture has finished its snapshot and streams, has
 * published nothing new for a while, the processor has committed everything on the CDC topics, and the
 * sink has applied (or parked) nothing pending. An extra condition (row counts, say) can be required as well.
 */
public final class PipelineDrain {
  private static final int STABLE_ROUNDS = 4;
  private static final Duration ROUND = Duration.ofMillis(500);

  private PipelineDrain() {
  }

  /**
   * Waits until {@code pipeline} has drained and {@code extra} holds, for {@value #STABLE_ROUNDS} checks in a row.
   *
   * @param progress called about every two seconds while waiting
   * @param stop checked each round; waiting ends (false) when it turns true
   * @return true when drained; false on timeout, stop, or when the sink failed
   */
  public static boolean await(final Pipeline pipeline, final Duration timeout, final BooleanSupplier extra,
      final Runnable progress, final BooleanSupplier stop, final Consumer<String> problems)
      throws InterruptedException {
    final var processor = pipeline.config().processor();
    final List<String> cdc = processor.mapping().sourceTables().stream().map(processor.kafka()::cdcTopic).toList();
    final long deadline = System.nanoTime() + timeout.toNanos();
    long lastProgress = 0;
    long lastPublished = -1;
    int stable = 0;
    try (PipelineLag lag = new PipelineLag(processor.kafka())) {
      while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
        final long published = pipeline.capture().published();
        // streaming: the snapshot is over; before that, nothing published yet is not "drained"
        final boolean drained = pipeline.capture().streaming() && published == lastPublished
            && lag.behind(processor.applicationId(), cdc) == 0
            && pipeline.sink().lag() == 0 && extra.getAsBoolean();
        lastPublished = published;
        stable = drained ? stable + 1 : 0;
        if (stable >= STABLE_ROUNDS) {
          return true;
        }
        if (pipeline.sink().failure() != null) {
          problems.accept("the sink stopped: " + pipeline.sink().failure());
          return false;
        }
        if (System.nanoTime() - lastProgress > Duration.ofSeconds(2).toNanos()) {
          lastProgress = System.nanoTime();
          progress.run();
        }
        Thread.sleep(ROUND.toMillis());
      }
    }
    if (!stop.getAsBoolean()) {
      problems.accept("the pipeline did not drain within " + timeout.toMinutes() + " minutes");
    }
    return false;
  }
}
