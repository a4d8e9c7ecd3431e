package dev.ferry.cli.sandbox;

import dev.ferry.cli.StopSignal;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a streaming sandbox says after "Caught up": a line per period in which something moved (events captured, rows
 * applied, parked or dead-lettered), with the rates over the period, the sink's lag and how old the newest applied
 * change is; nothing while the pipeline is idle, so that a terminal left open does not fill with equal lines. Before
 * session 45 the sandbox said nothing at all once caught up, whatever a workload on its legacy database did.
 */
final class StreamingProgress {
  /**
   * The pipeline's counters at one moment.
   *
   * @param newestAppliedMs source time of the newest applied change, epoch ms; 0 before the first
   */
  record Counts(long captured, long applied, long lag, long parked, long deadLetters, long newestAppliedMs) {
    boolean movedSince(final Counts before) {
      return captured != before.captured || applied != before.applied || parked != before.parked
          || deadLetters != before.deadLetters;
    }
  }

  private final Supplier<Counts> counts;
  private final Consumer<String> out;
  private final LongSupplier clockMs;

  StreamingProgress(final Supplier<Counts> counts, final Consumer<String> out, final LongSupplier clockMs) {
    this.counts = counts;
    this.out = out;
    this.clockMs = clockMs;
  }

  /** Looks every {@code every} until {@code stop} is requested. */
  void run(final StopSignal stop, final Duration every) throws InterruptedException {
    Counts before = counts.get();
    while (!stop.await(every)) {
      final Counts now = counts.get();
      if (now.movedSince(before)) {
        out.accept(line(before, now, every));
      }
      before = now;
    }
  }

  /** The line for a period from {@code before} to {@code now} of length {@code every}. */
  String line(final Counts before, final Counts now, final Duration every) {
    final double seconds = every.toMillis() / 1000.0;
    return String.format(Locale.ROOT, "streaming: events captured %,d (%,.0f/s) | rows applied %,d (%,.0f/s) | lag %,d "
        + "| parked %,d | dead letters (write) %,d%s", now.captured(), (now.captured() - before.captured()) / seconds,
        now.applied(), (now.applied() - before.applied()) / seconds, now.lag(), now.parked(), now.deadLetters(),
        now.newestAppliedMs() > 0 ? String.format(Locale.ROOT, " | newest applied change made %.1f s ago",
            (clockMs.getAsLong() - now.newestAppliedMs()) / 1000.0) : "");
  }
}
