package dev.ferry.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Rows the target refused because a row they reference is not there yet (a foreign-key violation), or because
 * another row holds a value of a unique key they take (the legacy database moved the value between rows, which are
 * keyed apart), kept in the target itself, in the same transaction that consumed them, and retried: the other row's
 * change usually arrives moments later on another partition. A row still refused after the timeout goes to the
 * dead-letter topic. Nothing here is held in memory, so a crash loses no parked row.
 */
final class ParkedRows {
  private final String table;

  /**
   * A parked row: its Kafka coordinates, the apply record's wire-format bytes, why it waits, and whether it has waited
   * past {@code sink.parked-timeout} ({@code expired}) and past {@code sink.parked-unique-timeout} ({@code
   * uniqueExpired}, which counts for a row a unique key refuses).
   */
  record Parked(long id, String topic, int partition, long offset, String key, byte[] record, String error,
      boolean expired, boolean uniqueExpired) {
    /** Whether it has waited long enough for what refuses it now ({@code unique}: a unique key). */
    boolean expiredFor(final boolean unique) {
      return expired || unique && uniqueExpired;
    }
  }

  private final TargetDialect dialect;

  ParkedRows(final TargetDialect dialect, final String table) {
    this.dialect = dialect;
    this.table = dialect.quote(table);
  }

  void create(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (" + dialect.serialKey("id") + ", topic "
          + dialect.longText() + " NOT NULL, kafka_partition int NOT NULL, kafka_offset bigint NOT NULL, record_key "
          + dialect.longText() + ", record " + dialect.bytes() + " NOT NULL, error " + dialect.longText()
          + " NOT NULL, parked_at " + dialect.timestampNow() + ", attempts int NOT NULL DEFAULT 0)");
    }
  }

  /** A row to park: its Kafka coordinates, the apply record's wire-format bytes, and why it waits. */
  record ToPark(String topic, int partition, long offset, String key, byte[] record, String error) {
  }

  /**
   * Parks {@code rows} with one statement sent as a batch: an initial sync can park tens of thousands of rows, and a
   * statement each was a round trip each (docs/benchmarks.md, session 20).
   */
  void park(final Connection c, final List<ToPark> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
        + " (topic, kafka_partition, kafka_offset, record_key, record, error) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (final ToPark r : rows) {
        ps.setString(1, r.topic());
        ps.setInt(2, r.partition());
        ps.setLong(3, r.offset());
        ps.setString(4, r.key());
        ps.setBytes(5, r.record());
        ps.setString(6, r.error());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * The parked rows to retry next, at most {@code limit}, each marked expired when parked longer than {@code timeout}
   * (and, for a row a unique key refuses, than {@code uniqueTimeout}):
   * those tried least often first, oldest first among them. A row still refused counts one more attempt
   * ({@link #attempted}) and so goes behind the rest, so every parked row comes round, however many wait for good; a
   * retry of the oldest rows only held newer rows back until the older ones were dead-lettered (once more waited than
   * one retry takes). Rows parked together (a group) have been tried together and stay side by side.
   */
  List<Parked> next(final Connection c, final int limit, final Duration timeout, final Duration uniqueTimeout)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select() + " ORDER BY attempts, id LIMIT ?")) {
      olderThan(ps, timeout, uniqueTimeout);
      ps.setInt(3, limit);
      return read(ps);
    }
  }

  /**
   * The parked rows of {@code topic}'s {@code partition} with record key {@code key}, marked expired as {@link #next}
   * marks them: the rest of a group larger than one retry (a group's rows share partition and key).
   */
  List<Parked> withKey(final Connection c, final String topic, final int partition, final String key,
      final Duration timeout, final Duration uniqueTimeout) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(select()
        + " WHERE topic = ? AND kafka_partition = ? AND record_key = ? ORDER BY id")) {
      olderThan(ps, timeout, uniqueTimeout);
      ps.setString(3, topic);
      ps.setInt(4, partition);
      ps.setString(5, key);
      return read(ps);
    }
  }

  /** The parked rows' columns, and whether each has waited past the two timeouts (parameters 1 and 2). */
  private String select() {
    return "SELECT id, topic, kafka_partition, kafka_offset, record_key, record, error, "
        + dialect.olderThanMicros("parked_at") + ", " + dialect.olderThanMicros("parked_at") + " FROM " + table;
  }

  private static void olderThan(final PreparedStatement ps, final Duration timeout, final Duration uniqueTimeout)
      throws SQLException {
    ps.setLong(1, timeout.toNanos() / 1000);
    ps.setLong(2, uniqueTimeout.toNanos() / 1000);
  }

  private static List<Parked> read(final PreparedStatement ps) throws SQLException {
    final List<Parked> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new Parked(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getString(5),
            rs.getBytes(6), rs.getString(7), rs.getBoolean(8), rs.getBoolean(9)));
      }
    }
    return out;
  }

  /** Removes the parked rows {@code ids} (applied, or dead-lettered), in one batch. */
  void remove(final Connection c, final Collection<Long> ids) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
      for (final long id : ids) {
        ps.setLong(1, id);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Counts one more attempt of each parked row in {@code errors} and keeps its latest refusal, in one batch. */
  void attempted(final Connection c, final Map<Long, String> errors) throws SQLException {
    if (errors.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
        + " SET attempts = attempts + 1, error = ? WHERE id = ?")) {
      for (final Map.Entry<Long, String> e : errors.entrySet()) {
        ps.setString(1, e.getValue());
        ps.setLong(2, e.getKey());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  long count(final Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
