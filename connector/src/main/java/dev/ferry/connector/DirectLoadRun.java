package dev.ferry.connector;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture's first start with {@code connector.initial-load: direct}: the tables as a temporary slot's exported
 * snapshot shows them, loaded by a {@link DirectLoad}, then the capture's slot made a copy of the temporary one, so
 * that Debezium streams every change after the snapshot ({@link ExportedSnapshot}).
 */
final class DirectLoadRun {
  private static final Logger LOG = LoggerFactory.getLogger(DirectLoadRun.class);

  private final ConnectorConfig config;
  private final DirectLoad load;
  private volatile boolean running;

  DirectLoadRun(final ConnectorConfig config, final DirectLoad load) {
    this.config = config;
    this.load = load;
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
      LOG.info("capture {}: direct initial load done in {} s; replication slot {} created at the snapshot's position, "
          + "streaming from there", config.name(), String.format(Locale.ROOT, "%.1f", (System.nanoTime() - began) / 1e9),
          config.slotName());
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
