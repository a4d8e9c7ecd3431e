package dev.ferry.ops;

import io.micrometer.core.instrument.Meter;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-second rates of counters between two looks at the status page: each counter's value and the time it was read
 * are kept, and the next look divides the growth by the time between. The first look has no rate.
 */
final class Rates {
  private record Seen(double value, long nanos) {
  }

  private final Map<Meter.Id, Seen> last = new HashMap<>();

  /** The rate of {@code id} now at {@code value}, per second; NaN on its first look or when it went back. */
  synchronized double rate(final Meter.Id id, final double value) {
    final long now = System.nanoTime();
    final Seen before = last.put(id, new Seen(value, now));
    if (before == null || now == before.nanos() || value < before.value()) {
      return Double.NaN;
    }
    return (value - before.value()) * 1e9 / (now - before.nanos());
  }
}
