package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import dev.ferry.schemas.PostgresSessions;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A snapshot of the legacy database taken where a replication slot begins, for a direct initial load
 * ({@link InitialLoad#DIRECT}): every row the snapshot shows was committed before the slot's first change, every
 * change the slot sends was committed after it, so a load of the snapshot followed by the slot's stream misses and
 * doubles nothing.
 *
 * <p>How: a <em>temporary</em> slot is created on a replication connection with {@code EXPORT_SNAPSHOT}; the load
 * reads the tables in transactions that import that snapshot ({@link #begin}), which stays valid while the
 * connection is open and idle. When the load has finished, {@link #keepAs} copies the temporary slot into the
 * capture's durable slot, at the same position ({@code pg_copy_logical_replication_slot}), and Debezium streams from
 * that. The durable slot is the record that the load finished: a load that crashed leaves none (its temporary slot
 * goes with its connection), so the next start loads again from a new snapshot, and the sink's snapshot sweep
 * removes what the first attempt wrote that is gone since. PostgreSQL 12 or later.
 */
public final class ExportedSnapshot implements AutoCloseable {
  private final ConnectorConfig config;
  private final Connection replication;
  private final String temporarySlot;
  private final String name;
  private final long position;
  private final long takenAtMs = System.currentTimeMillis();

  private ExportedSnapshot(final ConnectorConfig config, final Connection replication, final String temporarySlot,
      final String name, final long position) {
    this.config = config;
    this.replication = replication;
    this.temporarySlot = temporarySlot;
    this.name = name;
    this.position = position;
  }

  /**
   * Creates a temporary slot beside {@code config}'s slot and the snapshot it exports. Like any slot's creation it
   * waits for the legacy transactions open when it began ({@link SlotCreation}).
   */
  static ExportedSnapshot take(final ConnectorConfig config) throws SQLException {
    publish(config);
    final Properties p = PostgresSessions.properties("ferry-initial-load");
    p.put("user", config.user());
    p.put("password", config.password());
    PGProperty.REPLICATION.set(p, "database");
    PGProperty.PREFER_QUERY_MODE.set(p, "simple");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "12");
    final Connection c = PostgresSessions.connect(config.jdbcUrl(), p);
    final String slot = temporaryName(config.slotName());
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("CREATE_REPLICATION_SLOT " + slot + " TEMPORARY LOGICAL pgoutput "
            + "EXPORT_SNAPSHOT")) {
      rs.next();
      return new ExportedSnapshot(config, c, slot, rs.getString("snapshot_name"),
          LogSequenceNumber.valueOf(rs.getString("consistent_point")).asLong());
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /**
   * Creates the capture's publication if it is missing, as Debezium would at its start (its tables only, changes of
   * partitioned tables under their own name), but before the slot: pgoutput reads the publication as the catalog
   * stood at each change it decodes, and a publication created after the slot's starting point fails the first
   * change with "publication does not exist".
   */
  private static void publish(final ConnectorConfig config) throws SQLException {
    try (Connection c = config.connect();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, config.publicationName());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("CREATE PUBLICATION " + LegacyRows.quote(config.publicationName()) + " FOR TABLE "
            + String.join(", ", config.tables().stream().map(LegacyRows::quoted).toList())
            + " WITH (publish_via_partition_root = true)");
      }
    }
  }

  /** The temporary slot's name: the durable one's with a suffix, within PostgreSQL's 63 characters. */
  static String temporaryName(final String slot) {
    final String suffix = "_load";
    return (slot.length() + suffix.length() > 63 ? slot.substring(0, 63 - suffix.length()) : slot) + suffix;
  }

  /** The exported snapshot's name, as {@code SET TRANSACTION SNAPSHOT} takes it. */
  public String name() {
    return name;
  }

  /** The log position the snapshot was taken at (the slot's consistent point): rows read in it are versioned so. */
  public long position() {
    return position;
  }

  /** When the snapshot was taken, in epoch milliseconds: the source time of the rows read in it. */
  public long takenAtMs() {
    return takenAtMs;
  }

  /**
   * Starts a transaction on {@code c} that sees the legacy database as this snapshot does: read-only, repeatable
   * read, importing the snapshot. {@code c} must not be in a transaction; the caller ends it.
   */
  public static void begin(final Connection c, final String snapshot) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement s = c.createStatement()) {
      s.execute("SET TRANSACTION READ ONLY");
      s.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "''") + "'");
    }
  }

  /** A new connection to the legacy database, as the capture's user, for reading in this snapshot. */
  public Connection connect() throws SQLException {
    return config.connect();
  }

  /**
   * Makes the capture's durable slot a copy of the temporary one, at the snapshot's position, and ends the snapshot.
   * Called once the load is complete: from then on a restart streams from the slot instead of loading again.
   */
  void keepAs(final String slot) throws SQLException {
    try (Connection c = config.connect();
        PreparedStatement s = c.prepareStatement("SELECT pg_copy_logical_replication_slot(?, ?, false)")) {
      s.setString(1, temporarySlot);
      s.setString(2, slot);
      s.execute();
    }
    close();
  }

  /** Ends the snapshot; the temporary slot goes with its connection. */
  @Override
  public void close() throws SQLException {
    replication.close();
  }
}
