package dev.ferry.processor;

import dev.ferry.processor.ordering.EchoMetrics;
import dev.ferry.processor.ordering.HeldMetrics;
import dev.ferry.processor.ordering.RedeliveryMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * The processor's figures as Micrometer meters, tagged with its application id (Prometheus:
 * {@code ferry_processor_echo_transactions_dropped_total}, {@code ferry_processor_echo_changes_dropped_total},
 * {@code ferry_processor_redelivered_changes_dropped_total},
 * {@code ferry_processor_held_transactions}, {@code ferry_processor_held_details}, {@code ferry_processor_running}; rows
 * mapped, refused and warned per legacy table and rule, {@link MappingCounts}; records Kafka deleted before the
 * processor read them, {@code ferry_processor_records_lost_total}, {@link DeletedBeforeProcessed}),
 * and every Kafka Streams metric of its instance ({@code kafka_stream_*}, through Micrometer's binder).
 */
public final class ProcessorMeters implements MeterBinder {
  private final StreamProcessor processor;
  private final String applicationId;

  public ProcessorMeters(final StreamProcessor processor, final String applicationId) {
    this.processor = processor;
    this.applicationId = applicationId;
  }

  @Override
  public void bindTo(final MeterRegistry registry) {
    final Tags tags = Tags.of("application", applicationId);
    FunctionCounter.builder("ferry.processor.echo.transactions.dropped", processor,
        p -> p.metric(EchoMetrics.TRANSACTIONS)).tags(tags)
        .description("Transactions Ferry's own sink wrote, captured back and dropped").register(registry);
    FunctionCounter.builder("ferry.processor.echo.changes.dropped", processor, p -> p.metric(EchoMetrics.CHANGES))
        .tags(tags).description("Changes of those transactions").register(registry);
    FunctionCounter.builder("ferry.processor.redelivered.changes.dropped", processor,
        p -> p.metric(RedeliveryMetrics.CHANGES)).tags(tags)
        .description("Changes a restarted capture sent again, dropped").register(registry);
    Gauge.builder("ferry.processor.held.transactions", processor, p -> p.held(HeldMetrics.TRANSACTIONS)).tags(tags)
        .description("Source transactions held waiting for their end").register(registry);
    Gauge.builder("ferry.processor.held.details", processor, p -> p.held(HeldMetrics.DETAILS)).tags(tags)
        .description("Detail changes held waiting for their header").register(registry);
    Gauge.builder("ferry.processor.running", processor, p -> p.state().isRunningOrRebalancing() ? 1 : 0).tags(tags)
        .description("1 while Kafka Streams runs or rebalances").register(registry);
    processor.counts().bindTo(registry);
    processor.lostCounts().bindTo(registry);
    // Kafka Streams adds a task's metrics (its state stores' among them) when it gets the task, after this binding:
    // looked for every 10 s rather than Micrometer's default minute
    processor.streams().ifPresent(s -> new KafkaStreamsMetrics(s, Tags.empty(),
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          final Thread t = new Thread(r, "ferry-processor-meters");
          t.setDaemon(true);
          return t;
        }), java.time.Duration.ofSeconds(10)).bindTo(registry));
  }
}
