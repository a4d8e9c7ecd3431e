package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
  private final ScheduledExecutorService timer;

  SlotWatch(final ConnectorConfig config) {
    this.config = config;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      final Thread t = new Thread(r, "ferry-slot-watch-" + config.name());
      t.setDaemon(true);
      return t;
    });
  }

  SlotWatch start() {
    timer.scheduleWithFixedDelay(this::log, 1, 1, TimeUnit.MINUTES);
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

  private void log() {
    try {
      final long bytes = retainedBytes();
      if (bytes > WARN_BYTES) {
        LOG.warn("replication slot {} keeps {} MB of WAL on the legacy server: the capture is stopped or behind; "
            + "the legacy disk fills while this grows", config.slotName(), bytes >> 20);
      } else {
        LOG.debug("replication slot {} keeps {} kB of WAL", config.slotName(), bytes >> 10);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.debug("cannot read replication slot {}: {}", config.slotName(), e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
