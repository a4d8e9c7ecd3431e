package dev.ferry.connector;

import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture's first start with {@code connector.initial-load: direct}: the tables as a temporary slot's exported
 * snapshot shows them, loaded by a {@link DirectLoad}, then the capture's slot made a copy of the temporary one, so
 * that Debezium streams every change after the snapshot ({@link ExportedSnapshot}), from that position stored as its own
 * ({@link StoredPosition}).
 */
final class DirectLoadRun {
  private static final Logger LOG = LoggerFactory.getLogger(DirectLoadRun.class);

  private final ConnectorConfig config;
  private final DirectLoad load;
  private volatile boolean running;
  /** The engine's properties, which say where its position is stored. */
  private Properties debezium;

  DirectLoadRun(final ConnectorConfig config, final DirectLoad load) {
    this.config = config;
    this.load = load;
  }

  /**
   * Called before the engine starts, with its properties and the slot's confirmed position (0 when there is no
   * slot, and the load is to run). A slot without a stored position is a load that finished and was stopped before
   * its position was stored, or a position lost (a new disk): Debezium is to stream from the slot then, not take a
   * snapshot, so the slot's position is stored.
   */
  void prepare(final Properties debezium, final long confirmed) {
    this.debezium = debezium;
    if (confirmed == 0) {
      return;
    }
    try {
      if (StoredPosition.store(config, debezium, confirmed, System.currentTimeMillis(), true)) {
        LOG.warn("capture {}: replication slot {} exists but no source position is stored; with connector.initial-load "
            + "direct the slot is the record of a finished load, so the capture streams from its position {}",
            config.name(), config.slotName(), LogSequenceNumber.valueOf(confirmed).asString());
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot read or write the capture's stored source position: " + e, e);
    }
  }

  /**
   * Loads {@code tables} (referenced ones first) and creates the capture's slot at the snapshot's position.
   *
   * @param finished completed, or completed with the error, when the load fails or is stopped
   * @return false when the load failed or was stopped: nothing is to be streamed then
   */
  boolean run(final List<String> tables, final CompletableFuture<Void> finished) {
    try {
      run(tables);
      return true;
    } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
      // stopped (close() interrupts a load; Kafka's producer says so in its own exception)
      Thread.currentThread().interrupt();
      LOG.info("capture {}: the direct initial load was stopped; the next start loads again from a new snapshot",
          config.name());
      finished.complete(null);
      return false;
    } catch (Exception e) {
      LOG.error("capture {}: the direct initial load failed, nothing is streamed; the next start loads again from a "
          + "new snapshot: {}", config.name(), e.toString(), e);
      finished.completeExceptionally(e);
      return false;
    }
  }

  private void run(final List<String> tables) throws Exception {
    running = true;
    final long began = System.nanoTime();
    try (ExportedSnapshot snapshot = ExportedSnapshot.take(config)) {
      LOG.info("capture {}: direct initial load of {} in snapshot {} at position {}", config.name(), tables,
          snapshot.name(), LogSequenceNumber.valueOf(snapshot.position()).asString());
      load.load(snapshot, tables);
      snapshot.keepAs(config.slotName());
      StoredPosition.store(config, debezium, snapshot.position(), snapshot.takenAtMs(), false);
      LOG.info("capture {}: direct initial load done in {} s; replication slot {} created at the snapshot's position, "
          + "stored as the capture's; streaming from there", config.name(),
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - began) / 1e9), config.slotName());
    } finally {
      running = false;
    }
  }

  /** True while {@link #run} runs. */
  boolean running() {
    return running;
  }

  DirectLoad load() {
    return load;
  }
}
