package dev.ferry.sink;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.concurrent.TimeUnit;

/**
 * A sink's figures as Micrometer meters, tagged with its consumer group (in Prometheus' names:
 * {@code ferry_sink_rows_applied_total}, {@code ferry_sink_dead_letters_total}, {@code ferry_sink_parked_rows},
 * {@code ferry_sink_lag_records}, {@code ferry_sink_replication_delay_seconds}, {@code ferry_sink_batches_split_total},
 * {@code ferry_sink_broken_target_retries_total}, {@code ferry_sink_running}, {@code ferry_sink_live}; per target
 * {@code table}: {@code ferry_sink_table_rows_applied_total}, {@code ferry_sink_table_dead_letters_total} per
 * {@code rule}), and its Kafka
 * consumer's. Read from the sink's own counters when scraped; it keeps nothing itself.
 */
public final class SinkMeters implements MeterBinder {
  private final TargetSink sink;

  public SinkMeters(final TargetSink sink) {
    this.sink = sink;
  }

  @Override
  public void bindTo(final MeterRegistry registry) {
    final Tags tags = Tags.of("group", sink.groupId());
    FunctionCounter.builder("ferry.sink.rows.applied", sink, TargetSink::applied).tags(tags)
        .description("Rows applied to the target since the sink started").register(registry);
    FunctionCounter.builder("ferry.sink.dead.letters", sink, TargetSink::failed).tags(tags)
        .description("Records sent to the dead-letter topic since the sink started").register(registry);
    Gauge.builder("ferry.sink.parked.rows", sink, TargetSink::parked).tags(tags)
        .description("Rows waiting in the parking table for a row they reference").register(registry);
    Gauge.builder("ferry.sink.lag.records", sink, TargetSink::lag).tags(tags)
        .description("Records of the apply topic not applied yet; -1 before the sink has its partitions")
        .register(registry);
    TimeGauge.builder("ferry.sink.replication.delay", sink, TimeUnit.MILLISECONDS, SinkMeters::replicationDelayMs)
        .tags(tags).description("Between the source making the last applied change and now while records wait; 0 "
            + "when caught up, however quiet the source; -1 before the first change").register(registry);
    FunctionCounter.builder("ferry.sink.batches.split", sink, TargetSink::splitBatches).tags(tags)
        .description("Batches the target refused as a whole and applied in parts").register(registry);
    FunctionCounter.builder("ferry.sink.broken.target.retries", sink, TargetSink::brokenTargetRetries).tags(tags)
        .description("Retries because the target does not fit what the sink writes; alert on any")
        .register(registry);
    Gauge.builder("ferry.sink.running", sink, s -> s.isRunning() ? 1 : 0).tags(tags)
        .description("1 while the sink runs; 0 once it stopped, after an error or a clean stop").register(registry);
    Gauge.builder("ferry.sink.live", sink, s -> s.live() ? 1 : 0).tags(tags)
        .description("1 while this sink's direction of the sync is live and it applies; 0 while it holds")
        .register(registry);
    sink.runs().bindTo(registry);
    new KafkaClientMetrics(sink.consumer()).bindTo(registry);
  }

  /**
   * Milliseconds between the source making the last applied change and now while records wait; 0 when caught up
   * (a quiet source is not a delay, and an alert on this figure must not fire at night); -1 before the first change.
   */
  static long replicationDelayMs(final TargetSink sink) {
    final long last = sink.lastSourceTsMs();
    if (last == 0) {
      return -1;
    }
    return sink.lag() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - last);
  }
}
