package dev.ferry.cutover;

import dev.ferry.reconcile.ChangesInFlight;
import dev.ferry.schemas.PipelineLag;
import dev.ferry.sink.SinkBacklog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * The changes one direction of a running sync still carries, seen from outside its services as {@link Drain} sees
 * them, but up to a position rather than to the end: the sync may go on taking new writes meanwhile. A change the
 * captured database committed before the mark has been applied once, in turn, the capture's replication slot has
 * confirmed the mark (Kafka holds everything up to it), the processor has committed the CDC topics up to where they
 * ended then, and the sink has applied the apply topic up to where it ended after that.
 */
public final class SyncInFlight implements ChangesInFlight {
  private static final Duration POLL = Duration.ofMillis(500);
  private final Leg leg;

  public SyncInFlight(final Leg leg) {
    this.leg = leg;
  }

  /** The captured database's current WAL position. */
  @Override
  public String mark() throws Exception {
    try (Connection c = leg.captured()) {
      return Drain.position(c);
    }
  }

  @Override
  public boolean awaitApplied(final String mark, final Duration atMost) throws Exception {
    final long deadline = System.nanoTime() + atMost.toNanos();
    if (!captureRunning()) {
      return false;
    }
    try (PipelineLag lag = new PipelineLag(leg.processor().kafka())) {
      if (!until(deadline, () -> slotPassed(mark))) {
        return false;
      }
      final Map<TopicPartition, Long> cdc = lag.endOffsets(leg.cdcTopics());
      if (!until(deadline, () -> lag.behind(leg.processor().applicationId(), cdc) == 0)) {
        return false;
      }
      final String apply = leg.sink().kafka().topics(leg.sink().kafka().registry()).apply().name();
      final Map<Integer, Long> applyEnds = lag.endOffsets(List.of(apply)).entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
      return until(deadline, () -> SinkBacklog.recordsBefore(leg.sink(), applyEnds) == 0);
    }
  }

  /** Whether a capture holds the replication slot now: without one the slot does not move, and nothing comes. */
  private boolean captureRunning() throws Exception {
    try (Connection c = leg.captured(); PreparedStatement ps = c.prepareStatement("SELECT active FROM "
        + "pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, leg.capture().slotName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * How far this direction is behind now, in one line: the WAL its capture has not confirmed (the slot's; a quiet
   * capture confirms at every heartbeat), the records of the CDC topics its processor has not committed, and those of
   * the apply topic its sink has not applied, with the rows it parks.
   */
  public String behind() throws Exception {
    String capture = "no replication slot " + leg.capture().slotName();
    try (Connection c = leg.captured(); PreparedStatement ps = c.prepareStatement("SELECT active, "
        + "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots "
        + "WHERE slot_name = ?")) {
      ps.setString(1, leg.capture().slotName());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          capture = String.format(Locale.ROOT, "%,d kB of WAL not confirmed%s", rs.getLong(2) / 1024,
              rs.getBoolean(1) ? "" : " (no capture reading the slot)");
        }
      }
    }
    final long processor;
    try (PipelineLag lag = new PipelineLag(leg.processor().kafka())) {
      processor = lag.behind(leg.processor().applicationId(), leg.cdcTopics());
    }
    return String.format(Locale.ROOT, "%s direction behind: capture %s; processor %,d record(s) of its CDC topics "
        + "not committed; sink %,d record(s) and parked row(s) not applied", leg.name(), capture, processor,
        SinkBacklog.pending(leg.sink()));
  }

  private boolean slotPassed(final String mark) throws Exception {
    try (Connection c = leg.captured(); PreparedStatement ps = c.prepareStatement("SELECT confirmed_flush_lsn >= "
        + "?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, mark);
      ps.setString(2, leg.capture().slotName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Looks at {@code condition} every {@link #POLL} until it holds or {@code deadline} ({@link System#nanoTime()}). */
  private static boolean until(final long deadline, final Condition condition) throws Exception {
    while (true) {
      if (condition.holds()) {
        return true;
      }
      if (System.nanoTime() + POLL.toNanos() > deadline) {
        return false;
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
