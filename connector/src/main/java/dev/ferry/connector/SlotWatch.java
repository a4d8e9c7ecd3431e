package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches how much WAL the capture's replication slot keeps on the legacy server: everything written since the
 * position the capture last confirmed. It grows while the capture is stopped or behind, and would grow forever on
 * quiet tables without the heartbeat ({@code connector.heartbeat-interval}); a full disk stops the legacy
 * database. Logged once a minute, as a warning past {@value #WARN_BYTES} bytes.
 */
final class SlotWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlotWatch.class);
  static final long WARN_BYTES = 1L << 30;

  private final ConnectorConfig config;
  private final Consumer<SlotHealth> onLost;
  private final ScheduledExecutorService timer;
  private volatile long safeWalBytes = -1;
  /** Why the last look could not reach the legacy database; null while it can. */
  private volatile String unreachableWhy;
  /** The first look of those that could not reach it. */
  private volatile Instant unreachableSince;
  private volatile List<String> appendOnlyGaps = List.of();

  /**
   * @param onLost told once the server has invalidated the slot while the capture runs ({@link SlotHealth}):
   *     Debezium would only look for a usable slot again and again after its stream is cut
   */
  SlotWatch(final ConnectorConfig config, final Consumer<SlotHealth> onLost) {
    this.config = config;
    this.onLost = onLost;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      final Thread t = new Thread(r, "ferry-slot-watch-" + config.name());
      t.setDaemon(true);
      return t;
    });
  }

  SlotWatch start() {
    timer.scheduleWithFixedDelay(this::look, 1, 1, TimeUnit.MINUTES);
    return this;
  }

  /** WAL bytes the slot keeps beyond its confirmed position; -1 when the slot does not exist (yet). */
  long retainedBytes() throws SQLException {
    return ofSlot("pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)", -1);
  }

  /**
   * The position the slot has confirmed (PostgreSQL: {@code confirmed_flush_lsn} as a number): every transaction
   * committed below it was captured before; 0 when the slot does not exist (yet).
   */
  long confirmedPosition() throws SQLException {
    return ofSlot("pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')", 0);
  }

  /**
   * WAL the slot may still keep before the server invalidates it ({@code max_slot_wal_keep_size}), as of the last
   * look; -1 without such a limit.
   */
  long safeWalBytes() {
    return safeWalBytes;
  }

  /** The slot's health as the server says now. */
  SlotHealth health() throws SQLException {
    try (Connection c = config.connect()) {
      return SlotHealth.read(c, config.slotName());
    }
  }

  /** {@code expression} over the capture's slot as a number, or {@code absent} without a confirmed slot. */
  private long ofSlot(final String expression, final long absent) throws SQLException {
    try (Connection c = config.connect();
        PreparedStatement ps = c.prepareStatement("SELECT (" + expression + ")::bigint FROM pg_replication_slots "
            + "WHERE slot_name = ? AND confirmed_flush_lsn IS NOT NULL")) {
      ps.setString(1, config.slotName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : absent;
      }
    }
  }

  /**
   * Why the legacy database could not be reached at the last look (once a minute), with the time of the first look
   * that failed; null while it can be. Debezium retries its own connections by itself and says only that it will
   * restart: this says why.
   */
  String unreachable() {
    final String why = unreachableWhy;
    return why == null ? null : "since " + unreachableSince + ": " + why;
  }

  /**
   * Parts of append-only tables without {@code REPLICA IDENTITY FULL} at the last look (a partition made since the
   * capture started), which {@code connector.replica-identity: check} leaves as they are; empty when none.
   */
  List<String> appendOnlyGaps() {
    return appendOnlyGaps;
  }

  /**
   * One look at the slot: its health, the WAL it keeps, and whether the legacy database can be reached; and at the
   * append-only tables' replica identity ({@link AppendOnlyTables#closeGaps}).
   */
  void look() {
    try {
      final SlotHealth health = health();
      if (!config.appendOnly().isEmpty()) {
        try (Connection c = config.connect()) {
          appendOnlyGaps = AppendOnlyTables.closeGaps(c, config);
        }
        if (!appendOnlyGaps.isEmpty()) {
          LOG.warn("capture {}: {} of append-only table(s) {} lack REPLICA IDENTITY FULL (made after the capture "
              + "started?): PostgreSQL refuses their UPDATEs and DELETEs now that the publication carries them; run "
              + "ALTER TABLE <each> REPLICA IDENTITY FULL on the legacy database (or set connector.replica-identity: "
              + "set-full)", config.name(), appendOnlyGaps, config.appendOnly());
        }
      }
      if (unreachableWhy != null) {
        LOG.info("capture {}: the legacy database {} can be reached again", config.name(), config.server());
        unreachableWhy = null;
      }
      safeWalBytes = health.safeWalBytes();
      if (health.lost()) {
        LOG.error(health.refusal(config.slotName(), config.server()));
        onLost.accept(health);
        timer.shutdown();
        return;
      }
      final long bytes = retainedBytes();
      if (health.safeWalBytes() >= 0 && bytes > health.safeWalBytes()) {
        LOG.warn("replication slot {} keeps {} MB of WAL, and the legacy server invalidates it after {} MB more "
            + "(max_slot_wal_keep_size; wal_status {}): then its changes are lost and the target needs a new "
            + "snapshot. The capture is stopped or behind", config.slotName(), bytes >> 20,
            health.safeWalBytes() >> 20, health.walStatus());
      } else if (bytes > WARN_BYTES) {
        LOG.warn("replication slot {} keeps {} MB of WAL on the legacy server: the capture is stopped or behind; "
            + "the legacy disk fills while this grows", config.slotName(), bytes >> 20);
      } else {
        LOG.debug("replication slot {} keeps {} kB of WAL", config.slotName(), bytes >> 10);
      }
    } catch (SQLException e) {
      if (unreachableWhy == null) {
        unreachableSince = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      }
      unreachableWhy = e.getMessage();
      LOG.warn("capture {}: cannot reach the legacy database {} ({}); Debezium tries again by itself, and the capture "
          + "goes on from its position once it can", config.name(), config.server(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.debug("cannot read replication slot {}: {}", config.slotName(), e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
