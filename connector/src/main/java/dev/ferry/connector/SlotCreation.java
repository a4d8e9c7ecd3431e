package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the capture's first start while legacy transactions would hold up the creation of its replication slot,
 * and names them.
 *
 * <p>Why: PostgreSQL creates a logical replication slot (with the snapshot the initial sync reads) only once every
 * transaction that held a transaction id when the creation began has ended, in every database of the server,
 * prepared transactions included. Debezium creates the slot while its task starts, and its engine gives a task 40 s
 * to start: one legacy session left idle in a transaction for longer made the capture stop ("Time out while waiting
 * for source task to start") with nothing said about why, while the other services ran on and applied nothing.
 * Instead the capture waits here before it starts Debezium, names those transactions every
 * {@link #REPORT_EVERY}, and goes on once every transaction it saw open a look before ({@link #LOOK_EVERY}) has
 * ended: the short transactions of a busy database end by themselves while the slot is created, and a long one is
 * seen in two looks in a row however young it was at the first.
 *
 * <p>What it can see: other users' sessions show their transaction ids only to a superuser or a member of
 * {@code pg_read_all_stats}; without that it says so and starts as before.
 */
final class SlotCreation {
  private static final Logger LOG = LoggerFactory.getLogger(SlotCreation.class);
  static final Duration REPORT_EVERY = Duration.ofSeconds(10);
  static final Duration LOOK_EVERY = Duration.ofSeconds(1);

  private SlotCreation() {
  }

  /**
   * Waits until every transaction that would hold up the creation of {@code config}'s slot when it was last looked
   * at has ended.
   *
   * @param closing checked every second; waiting ends when it turns true
   * @param open told the transactions it waits for each time it looks, and an empty list when it stops waiting
   * @return false when {@code closing} ended the wait, true otherwise (also when the transactions cannot be read)
   */
  static boolean await(final ConnectorConfig config, final BooleanSupplier closing,
      final Consumer<List<String>> open) throws InterruptedException {
    try {
      return awaitNone(config, closing, open);
    } finally {
      open.accept(List.of());
    }
  }

  private static boolean awaitNone(final ConnectorConfig config, final BooleanSupplier closing,
      final Consumer<List<String>> report) throws InterruptedException {
    final long began = System.nanoTime();
    long nextReport = began;
    boolean waited = false;
    try (Connection c = config.connect()) {
      if (!seesAllSessions(c)) {
        LOG.info("capture {}: creating replication slot {} waits for every legacy transaction open when it begins; "
            + "user {} cannot see other users' transactions (a superuser or a member of pg_read_all_stats can), so "
            + "the capture cannot name them if one holds it up", config.name(), config.slotName(), config.user());
        return true;
      }
      Map<String, String> before = blockers(c);
      while (!closing.getAsBoolean()) {
        if (before.isEmpty()) {
          return true;
        }
        Thread.sleep(LOOK_EVERY.toMillis());
        final Map<String, String> now = blockers(c);
        // the transactions seen open in two looks in a row: a short one ends between them
        final List<String> open = new ArrayList<>();
        for (final Map.Entry<String, String> t : now.entrySet()) {
          if (before.containsKey(t.getKey())) {
            open.add(t.getValue());
          }
        }
        before = now;
        report.accept(open);
        if (open.isEmpty()) {
          if (waited) {
            LOG.info("capture {}: the legacy transactions that held up replication slot {} have ended after {} s; "
                + "starting", config.name(), config.slotName(), (System.nanoTime() - began) / 1_000_000_000L);
          }
          return true;
        }
        waited = true;
        if (System.nanoTime() >= nextReport) {
          LOG.warn("capture {}: replication slot {} cannot be created while these legacy transactions are open "
              + "(PostgreSQL waits for every transaction that holds a transaction id, in any database of the server): "
              + "{}. The capture starts when they end: commit or roll them back, or end their sessions "
              + "(SELECT pg_terminate_backend(pid)); a prepared one with COMMIT PREPARED or ROLLBACK PREPARED",
              config.name(), config.slotName(), String.join("; ", open));
          nextReport = System.nanoTime() + REPORT_EVERY.toNanos();
        }
      }
      return false;
    } catch (SQLException e) {
      LOG.warn("capture {}: cannot look for legacy transactions that would hold up replication slot {}: {}",
          config.name(), config.slotName(), e.getMessage());
      return true;
    }
  }

  /**
   * The transactions that hold a transaction id, other than this session's, and the prepared transactions: each
   * under a key that names it (its process and transaction id, or its global id), described for an operator.
   */
  static Map<String, String> blockers(final Connection c) throws SQLException {
    final Map<String, String> out = new TreeMap<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT pid || ':' || backend_xid,
               'pid ' || pid || ' (user ' || coalesce(usename, '?') || ', database ' || coalesce(datname, '?')
               || coalesce(', application ' || nullif(application_name, ''), '') || ', ' || coalesce(state, '?')
               || ', transaction open for ' || floor(extract(epoch FROM now() - xact_start))::bigint || ' s)'
          FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
        UNION ALL
        SELECT 'prepared:' || gid,
               'prepared transaction ' || quote_literal(gid) || ' (user ' || owner || ', database ' || database
               || ', prepared ' || floor(extract(epoch FROM now() - prepared))::bigint || ' s ago)'
          FROM pg_prepared_xacts""")) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    return out;
  }

  private static boolean seesAllSessions(final Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT rolsuper OR "
        + "pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') FROM pg_roles WHERE rolname = current_user")) {
      return rs.next() && rs.getBoolean(1);
    }
  }
}
