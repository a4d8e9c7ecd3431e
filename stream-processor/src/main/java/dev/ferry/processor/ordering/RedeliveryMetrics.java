package dev.ferry.processor.ordering;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The processor's count of redelivered changes dropped: changes a restarted capture sent again, recognised by their
 * released transaction ({@link ReleasedTransactions}) or, outside a transaction, by their identity
 * ({@link Deduplicator}). A few after each capture restart are expected; a count that keeps growing is a capture
 * restarting in a loop. A task-level Kafka Streams metric (group {@value EchoMetrics#GROUP}), shared by the two
 * processors of a task.
 */
public final class RedeliveryMetrics {
  public static final String CHANGES = "redelivered-changes-dropped-total";

  private RedeliveryMetrics() {
  }

  /** The sensor of {@code context}'s task; record 1 per change dropped. */
  static Sensor sensor(final ProcessorContext<?, ?> context) {
    final Sensor sensor = context.metrics().addSensor("ferry-redeliveries-" + context.taskId(),
        Sensor.RecordingLevel.INFO);
    if (!sensor.hasMetrics()) {
      sensor.add(new MetricName(CHANGES, EchoMetrics.GROUP, "Changes a restarted capture sent again, dropped",
          Map.of("thread-id", Thread.currentThread().getName(), "task-id", context.taskId().toString())),
          new CumulativeCount());
    }
    return sensor;
  }
}
