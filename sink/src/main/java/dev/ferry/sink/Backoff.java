package dev.ferry.sink;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The sink's wait between tries of work on something unavailable: doubling, capped, and cut short by a stop. */
final class Backoff {
  private final Duration max;
  private final BooleanSupplier running;
  /** What each party waiting out a retry waits for, and why: what readiness reports. */
  private final java.util.Map<Object, String> waiting = new java.util.concurrent.ConcurrentHashMap<>();

  Backoff(final Duration max, final BooleanSupplier running) {
    this.max = max;
    this.running = running;
  }

  /** {@code who} found {@code what} unavailable; it retries until {@link #available}. */
  void unavailable(final Object who, final String what) {
    waiting.put(who, what);
  }

  /** {@code who} got its work done. */
  void available(final Object who) {
    waiting.remove(who);
  }

  /** What some party waits for, or null when none waits. */
  String unavailable() {
    return waiting.values().stream().findFirst().orElse(null);
  }

  /**
   * Sleeps {@code backoffMs} before a retry of work on {@code what} that is unavailable.
   *
   * @return the next wait: doubled, at most {@code sink.max-retry-backoff}
   * @throws IllegalStateException when interrupted, or when the sink is stopping
   */
  long waitBeforeRetry(final long backoffMs, final String what) {
    try {
      Thread.sleep(backoffMs);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, ie);
    }
    if (!running.getAsBoolean()) {
      throw new IllegalStateException("sink stopping while " + what + " is unavailable");
    }
    return Math.min(backoffMs * 2, max.toMillis());
  }
}
