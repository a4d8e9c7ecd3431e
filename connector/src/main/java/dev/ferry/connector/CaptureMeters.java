package dev.ferry.connector;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * The capture's figures as Micrometer meters, tagged with the connector's name (Prometheus:
 * {@code ferry_connector_events_captured_total} per legacy {@code table}, {@code ferry_connector_behind_source_seconds},
 * {@code ferry_connector_slot_retained_wal_bytes}, {@code ferry_connector_streaming},
 * {@code ferry_connector_engine_restarts_total}; with a direct initial load
 * {@code ferry_connector_initial_load_rows_total} per legacy {@code table}, {@code ferry_connector_initial_load_active}
 * and the mapping's {@code ferry_processor_rows_*} counts of the rows it loaded).
 */
public final class CaptureMeters implements MeterBinder {
  private final LegacyCapture capture;

  public CaptureMeters(final LegacyCapture capture) {
    this.capture = capture;
  }

  @Override
  public void bindTo(final MeterRegistry registry) {
    final Tags tags = Tags.of("connector", capture.name());
    FunctionCounter.builder("ferry.connector.events.captured.all", capture, LegacyCapture::published).tags(tags)
        .description("Row changes Kafka has taken from the capture, snapshot rows included (not the marks around them)")
        .register(registry);
    TimeGauge.builder("ferry.connector.behind.source", capture, TimeUnit.MILLISECONDS, LegacyCapture::behindSourceMs)
        .tags(tags).description("How far behind the legacy commit the stream was when Kafka took its last batch (the "
            + "newest change or transaction commit in it; the heartbeat's too, so a quiet capture reads near 0); -1 "
            + "before the first").register(registry);
    Gauge.builder("ferry.connector.slot.retained.wal", capture, CaptureMeters::retained).tags(tags).baseUnit("bytes")
        .description("WAL the replication slot keeps on the legacy server beyond the confirmed position")
        .register(registry);
    Gauge.builder("ferry.connector.slot.safe.wal", capture, LegacyCapture::safeWalBytes).tags(tags).baseUnit("bytes")
        .description("WAL the replication slot may still keep before the legacy server invalidates it "
            + "(max_slot_wal_keep_size); -1 without such a limit").register(registry);
    FunctionCounter.builder("ferry.connector.engine.restarts", capture, LegacyCapture::engineRestarts).tags(tags)
        .description("Debezium engines built again because the legacy server went away while one started (Debezium "
            + "gives up on an engine then; the capture resumes from its stored position)").register(registry);
    Gauge.builder("ferry.connector.streaming", capture, c -> c.streaming() ? 1 : 0).tags(tags)
        .description("1 once the capture streams changes, its initial snapshot in Kafka").register(registry);
    // registered without a direct load too (0), so that one dashboard serves both kinds of capture
    Gauge.builder("ferry.connector.initial.load.active", capture, c -> c.loading() ? 1 : 0).tags(tags)
        .description("1 while the direct initial load reads the legacy tables (connector.initial-load: direct)")
        .register(registry);
    for (final String table : capture.tables()) {
      FunctionCounter.builder("ferry.connector.initial.load.rows", capture, c -> c.loadedPerTable()
          .getOrDefault(table, 0L)).tags(tags.and("table", table))
          .description("Rows the direct initial load read, mapped and sent on, per legacy table").register(registry);
    }
    if (capture.directLoad() != null) {
      capture.directLoad().bindTo(registry);
    }
    for (final String table : capture.tables()) {
      FunctionCounter.builder("ferry.connector.events.captured", capture, c -> c.publishedPerTable()
          .getOrDefault(table, 0L)).tags(tags.and("table", table))
          .description("Changes Kafka has taken from the capture, per legacy table").register(registry);
    }
  }

  private static double retained(final LegacyCapture capture) {
    try {
      return capture.retainedWalBytes();
    } catch (SQLException e) {
      return -1;
    }
  }
}
