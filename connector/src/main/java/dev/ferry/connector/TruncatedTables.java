package dev.ferry.connector;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TRUNCATE of a captured legacy table. PostgreSQL logs it as one statement, not as row deletes, and Debezium sends
 * it as an event without rows, so the target would keep every row the legacy table no longer has, silently. The
 * capture answers it by reading the table again ({@link Resnapshot}, Debezium's incremental snapshot, in the stream
 * after the TRUNCATE): its rows come again above every earlier version, and when it ends the sink deletes the target
 * rows Ferry wrote below it, those the TRUNCATE removed. A capture that takes no re-snapshots
 * ({@code connector.snapshot-mode: no-data}) can only say so, as an error naming the table.
 *
 * <p>Tables truncated together ({@code TRUNCATE orders CASCADE}, {@code TRUNCATE a, b}: one event per table, one
 * after the other in the stream) are read again in <em>one</em> re-snapshot, so that its end deletes children before
 * their parents. Read in two, the parents' end came first and could delete none of them (the children still
 * referenced them): the target kept every order of a truncated orders table, and with tens of thousands the sink's
 * row-by-row attempt ran the target out of lock memory and stalled. So a TRUNCATE waits {@link #GATHER} for the
 * others of its statement before the signal is sent; Debezium reads its signals every few seconds anyway.
 *
 * <p>The signal is sent from a thread of its own, so that the capture's batch never waits for it; a TRUNCATE seen
 * twice (a batch written again after a crash) reads the table twice, which changes nothing in the target.
 */
final class TruncatedTables implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TruncatedTables.class);
  /** How long a TRUNCATE waits for the other tables of its statement, whose events follow it at once. */
  static final Duration GATHER = Duration.ofSeconds(1);

  private final ConnectorConfig config;
  private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
    final Thread t = new Thread(r, "ferry-truncate-resnapshot");
    t.setDaemon(true);
    return t;
  });
  /** Tables truncated and not yet asked for again, in the order their TRUNCATEs came. */
  private final Set<String> pending = new LinkedHashSet<>();

  TruncatedTables(final ConnectorConfig config) {
    this.config = config;
  }

  /** The stream carried a TRUNCATE of {@code table} ({@code schema.table}). */
  void onTruncate(final String table) {
    if (!config.tables().contains(table)) {
      return;
    }
    if (!config.takesResnapshots()) {
      LOG.error("TRUNCATE of {} in the legacy database: the target keeps the rows it had, and this capture takes "
          + "no re-snapshots (connector.snapshot-mode: no-data); empty the target tables mapped from {} yourself, "
          + "or set connector.snapshot-mode to initial or when-needed and run ferry resnapshot --table {}",
          table, table, table);
      return;
    }
    LOG.warn("TRUNCATE of {} in the legacy database: reading {} again (an incremental snapshot), so that the target "
        + "drops the rows it no longer has", table, table);
    synchronized (pending) {
      if (pending.isEmpty()) {
        sender.schedule(this::send, GATHER.toMillis(), TimeUnit.MILLISECONDS);
      }
      pending.add(table);
    }
  }

  private void send() {
    final List<String> tables;
    synchronized (pending) {
      tables = List.copyOf(pending);
      pending.clear();
    }
    try {
      Resnapshot.request(config, tables, new PrintStream(OutputStream.nullOutputStream()));
    } catch (RuntimeException e) {
      LOG.error("TRUNCATE of {}: cannot ask the capture to read it again ({}); the target keeps rows the legacy "
          + "table no longer has until you run ferry resnapshot --table {}", String.join(", ", tables), e.toString(),
          String.join(" --table ", tables));
    }
  }

  @Override
  public void close() {
    // a TRUNCATE still gathering is sent when its wait ends (a delayed task runs after shutdown): the signal waits
    // in its topic for the capture's next start
    sender.shutdown();
    try {
      sender.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
