package dev.ferry.processor.ordering;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The processor's count of echoes dropped: transactions Ferry's own sink wrote (and their changes), captured back and
 * dropped instead of sent where they came from. A task-level Kafka Streams metric (group {@value #GROUP}), so it is
 * in {@code KafkaStreams#metrics()} and over JMX with the rest of Kafka Streams' metrics.
 */
public final class EchoMetrics {
  public static final String GROUP = "ferry-processor";
  public static final String TRANSACTIONS = "echo-transactions-dropped-total";
  public static final String CHANGES = "echo-changes-dropped-total";

  private EchoMetrics() {
  }

  /** The sensor of {@code context}'s task; record the changes of each dropped transaction. */
  static Sensor sensor(final ProcessorContext<?, ?> context) {
    final var metrics = context.metrics();
    final Sensor sensor = metrics.addSensor("ferry-echoes-" + context.taskId(), Sensor.RecordingLevel.INFO);
    final Map<String, String> tags = Map.of("thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
    final MetricName transactions = new MetricName(TRANSACTIONS, GROUP,
        "Transactions written by Ferry's sink, captured back and dropped", tags);
    final MetricName changes = new MetricName(CHANGES, GROUP,
        "Changes of transactions written by Ferry's sink, captured back and dropped", tags);
    if (!sensor.hasMetrics()) {
      sensor.add(transactions, new CumulativeCount());
      sensor.add(changes, new CumulativeSum());
    }
    return sensor;
  }
}
