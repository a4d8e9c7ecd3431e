package dev.ferry.processor.ordering;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * What the processor holds back, per task, as Kafka Streams metrics (group {@value EchoMetrics#GROUP}): source
 * transactions waiting for their end ({@value #TRANSACTIONS}) and detail changes waiting for their header
 * ({@value #DETAILS}). Recorded whenever they change, so a drain (the cutover's) can see the processor holds nothing.
 */
public final class HeldMetrics {
  public static final String TRANSACTIONS = "held-transactions";
  public static final String DETAILS = "held-details";

  private HeldMetrics() {
  }

  static Sensor transactions(final ProcessorContext<?, ?> context) {
    return sensor(context, TRANSACTIONS, "Source transactions held waiting for their end");
  }

  static Sensor details(final ProcessorContext<?, ?> context) {
    return sensor(context, DETAILS, "Detail changes held waiting for their header");
  }

  private static Sensor sensor(final ProcessorContext<?, ?> context, final String name, final String description) {
    final Sensor sensor = context.metrics().addSensor("ferry-" + name + "-" + context.taskId(),
        Sensor.RecordingLevel.INFO);
    if (!sensor.hasMetrics()) {
      sensor.add(new MetricName(name, EchoMetrics.GROUP, description, Map.of("thread-id",
          Thread.currentThread().getName(), "task-id", context.taskId().toString())), new Value());
    }
    return sensor;
  }
}
