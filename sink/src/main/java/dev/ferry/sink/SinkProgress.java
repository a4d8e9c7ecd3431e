package dev.ferry.sink;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A progress line every 30 s while a sink runs (its consumer thread only): what an operator watching a long
 * catch-up wants to see without a metrics system, including batches the target refused as a whole.
 */
final class SinkProgress {
  private static final Logger LOG = LoggerFactory.getLogger(TargetSink.class);
  private static final long EVERY_NANOS = 30_000_000_000L;
  private final TargetSink sink;
  private long lastNanos = System.nanoTime();
  private long lastApplied;

  SinkProgress(final TargetSink sink) {
    this.sink = sink;
  }

  void maybeLog() {
    final long now = System.nanoTime();
    if (now - lastNanos < EVERY_NANOS) {
      return;
    }
    final long applied = sink.applied();
    LOG.info("sink {}: {} rows applied ({} rows/s), {} dead letters, {} parked, lag {}, {} batches split",
        sink.groupId(), applied, (applied - lastApplied) * 1_000_000_000L / (now - lastNanos), sink.failed(),
        sink.parked(), sink.lag(), sink.splitBatches());
    lastNanos = now;
    lastApplied = applied;
  }
}
