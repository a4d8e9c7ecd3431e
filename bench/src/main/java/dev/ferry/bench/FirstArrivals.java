package dev.ferry.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * When each stage of an end-to-end run first held a record, counted from the services' launch: the CDC topics
 * (the connector's first committed Kafka transaction), the processor's committed offsets (its first exactly-once
 * commit), the apply topic, the target. An initial sync's first seconds pass before any row reaches the target
 * (three JVMs starting on the same cores, Debezium's slot and snapshot, Kafka Streams joining its group); this
 * says which stage those seconds belong to.
 */
final class FirstArrivals {
  static final String[] STAGES = {"captured", "processed", "mapped", "applied"};

  private final double[] at = new double[STAGES.length];

  FirstArrivals() {
    Arrays.fill(at, Double.NaN);
  }

  /** Notes {@code seconds} for each stage whose count is above 0 the first time; counts in {@link #STAGES} order. */
  void sample(final double seconds, final long... counts) {
    for (int i = 0; i < at.length; i++) {
      if (Double.isNaN(at[i]) && counts[i] > 0) {
        at[i] = seconds;
      }
    }
  }

  /**
   * Whether the last stage, the target, has held a record: every stage a run's rows pass through has by then (a
   * direct initial load passes neither the CDC topics nor the processor, which then stay {@code -}), and the run stops
   * asking the broker for the stages' offsets four times a second.
   */
  boolean complete() {
    return !Double.isNaN(at[at.length - 1]);
  }

  /** {@code first record: captured 4.1 s | processed 6.0 s | ...}, a stage not reached yet as {@code -}. */
  String line() {
    final StringBuilder line = new StringBuilder("first record:");
    for (int i = 0; i < at.length; i++) {
      line.append(i == 0 ? " " : " | ").append(STAGES[i]).append(' ')
          .append(Double.isNaN(at[i]) ? "-" : String.format(Locale.ROOT, "%.1f s", at[i]));
    }
    return line.toString();
  }
}
