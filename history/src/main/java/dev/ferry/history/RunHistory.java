package dev.ferry.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run history: one row per run that matters to a migration's sign-off (a sink started or stopped, a snapshot
 * applied, a replay pass, a reconciliation, later the cutover's steps), with its counts, in a table of Ferry's own in
 * the target database ({@code sink.history-table}). Auditors read it with {@code ferry history}.
 *
 * <p>Recording never stops what it records: a history that cannot be written is a warning in the log, not a failed
 * sink or reconciliation. Works on PostgreSQL and MariaDB.
 */
public final class RunHistory {
  private static final Logger LOG = LoggerFactory.getLogger(RunHistory.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What kind of run an entry records. */
  public enum Kind {
    CONNECTOR_START, CONNECTOR_STOP, PROCESSOR_START, PROCESSOR_STOP, SINK_START, SINK_STOP, SNAPSHOT_APPLIED,
    RESNAPSHOT, REPLAY, RECONCILE, AUDIT, CUTOVER, RECORDS_LOST;

    /** The name stored and shown, e.g. {@code sink-start}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Kind of(final String id) {
      return valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /**
   * One run.
   *
   * @param summary one line for people
   * @param counts the run's figures by name (numbers, or maps of them per table or rule)
   */
  public record Entry(long id, Instant at, Kind kind, String summary, Map<String, Object> counts, String host) {
  }

  /** Opens a connection to the target database. */
  @FunctionalInterface
  public interface Connect {
    Connection open() throws SQLException;
  }

  private final Connect connect;
  private final String table;

  /** @param table the history table, created on first use */
  public RunHistory(final Connect connect, final String table) {
    this.connect = connect;
    this.table = table;
  }

  /** Records a run on a connection of its own, creating the table when missing; a failure is logged, never thrown. */
  public void record(final Kind kind, final String summary, final Map<String, ?> counts) {
    try {
      append(kind, summary, counts);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("could not record {} in the run history ({}): {}", kind.id(), table, e.toString());
    }
  }

  /**
   * Records a run on a connection of its own, creating the table when missing, and says when it cannot: for state
   * a later run resumes from (the cutover's steps), which must not be lost quietly.
   */
  public void append(final Kind kind, final String summary, final Map<String, ?> counts) throws SQLException {
    try (Connection c = connect.open()) {
      c.setAutoCommit(true);
      ensureTable(c);
      insert(c, kind, summary, counts);
    }
  }

  /**
   * Records a run on {@code c}, in its transaction, so that it commits with what it records. The table is not
   * created here (MariaDB would commit the transaction at the DDL): a run recorded on a connection of its own
   * creates it, as the sink's start does; until then this logs and records nothing.
   */
  public void record(final Connection c, final Kind kind, final String summary, final Map<String, ?> counts)
      throws SQLException {
    if (!exists(c)) {
      LOG.warn("run history table {} does not exist yet: {} not recorded ({})", table, kind.id(), summary);
      return;
    }
    insert(c, kind, summary, counts);
  }

  private void insert(final Connection c, final Kind kind, final String summary, final Map<String, ?> counts)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
        + " (at, kind, summary, counts, host) VALUES (?, ?, ?, ?, ?)")) {
      ps.setTimestamp(1, Timestamp.from(Instant.now()));
      ps.setString(2, kind.id());
      ps.setString(3, summary);
      ps.setString(4, json(counts));
      ps.setString(5, host());
      ps.executeUpdate();
    }
  }

  /** The newest {@code limit} entries, oldest first; empty when nothing was recorded yet. */
  public List<Entry> recent(final int limit) throws SQLException {
    return recent(null, limit);
  }

  /** The newest {@code limit} entries of {@code kind} (null: of every kind), oldest first. */
  public List<Entry> recent(final Kind kind, final int limit) throws SQLException {
    try (Connection c = connect.open()) {
      if (!exists(c)) {
        return List.of();
      }
      final List<Entry> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT id, at, kind, summary, counts, host FROM " + table
          + (kind == null ? "" : " WHERE kind = ?") + " ORDER BY id DESC")) {
        if (kind != null) {
          s.setString(1, kind.id());
        }
        final ResultSet rs = s.executeQuery();
        while (rs.next() && out.size() < limit) {
          out.add(new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), Kind.of(rs.getString(3)), rs.getString(4),
              counts(rs.getString(5)), rs.getString(6)));
        }
      }
      Collections.reverse(out);
      return out;
    }
  }

  private void ensureTable(final Connection c) throws SQLException {
    if (exists(c)) {
      return;
    }
    final boolean mariaDb = mariaDb(c);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (" + (mariaDb ? "id bigint AUTO_INCREMENT PRIMARY KEY, "
          + "at timestamp(3) NOT NULL, kind varchar(40) NOT NULL, summary text NOT NULL, counts longtext NOT NULL"
          : "id bigserial PRIMARY KEY, at timestamptz NOT NULL, kind varchar(40) NOT NULL, summary text NOT NULL, "
          + "counts text NOT NULL") + ", host varchar(255))");
    }
  }

  /** Whether the table exists in the connection's own database and schema (or the schema it names). */
  private boolean exists(final Connection c) throws SQLException {
    final int dot = table.indexOf('.');
    final String name = dot < 0 ? table : table.substring(dot + 1);
    final boolean mariaDb = mariaDb(c);
    final String catalog = mariaDb ? (dot < 0 ? c.getCatalog() : table.substring(0, dot)) : null;
    final String schema = mariaDb ? null : dot < 0 ? c.getSchema() : table.substring(0, dot);
    for (final String candidate : List.of(name, name.toLowerCase(Locale.ROOT), name.toUpperCase(Locale.ROOT))) {
      try (ResultSet rs = c.getMetaData().getTables(catalog, schema, candidate, null)) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean mariaDb(final Connection c) throws SQLException {
    return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).matches(".*(mariadb|mysql).*");
  }

  private static String json(final Map<String, ?> counts) {
    try {
      return JSON.writeValueAsString(counts == null ? Map.of() : counts);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("counts cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> counts(final String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
    } catch (JsonProcessingException e) {
      return Map.of("unreadable", json);
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
