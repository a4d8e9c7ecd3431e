package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a partitioned legacy table's changes reach the capture under its own name. PostgreSQL stores a partitioned
 * table's rows in its partitions, and a publication sends their changes under the partition's name
 * ({@code readings_2024}) unless it is made with {@code publish_via_partition_root}. The capture reads only the tables
 * it was given, so it read the partitioned table's snapshot (a query of the table itself) and then dropped every
 * later change to it, silently. Debezium creates the publication with the option ({@code publish.via.partition.root},
 * {@link ConnectorConfig}); a publication that exists already (made by an earlier Ferry or by hand) gets it here,
 * before the capture reads anything. With the option, a partition named in the capture's list on its own is still
 * published as itself (PostgreSQL publishes a change as its topmost ancestor that the publication holds).
 */
final class PartitionedTables {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionedTables.class);

  private PartitionedTables() {
  }

  /** The captured tables ({@code schema.table}) that are partitioned, as found in {@code legacy}'s catalog. */
  static List<String> among(final Connection legacy, final List<String> tables) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (PreparedStatement ps = legacy.prepareStatement("SELECT c.relkind = 'p' FROM pg_class c "
        + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
      for (final String table : tables) {
        final String[] parts = table.split("\\.", 2);
        ps.setString(1, parts[0]);
        ps.setString(2, parts[1]);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            out.add(table);
          }
        }
      }
    }
    return out;
  }

  /**
   * Sets {@code publish_via_partition_root} on {@code publication} when it exists without it and a captured table is
   * partitioned.
   *
   * @return the statement run, or null when none was needed
   * @throws SQLException when the publication cannot be altered (its owner must do it; the message says how)
   */
  static String publishViaRoot(final Connection legacy, final String publication, final List<String> tables)
      throws SQLException {
    final List<String> partitioned = among(legacy, tables);
    if (partitioned.isEmpty()) {
      return null;
    }
    try (PreparedStatement ps = legacy.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getBoolean(1)) {
          return null; // none yet (Debezium creates it with the option), or it has it
        }
      }
    }
    final String alter = "ALTER PUBLICATION " + LegacyRows.quote(publication)
        + " SET (publish_via_partition_root = true)";
    try (Statement s = legacy.createStatement()) {
      s.execute(alter);
    } catch (SQLException e) {
      throw new SQLException("publication " + publication + " sends the changes of partitioned table(s) "
          + partitioned + " under their partitions' names, which the capture would drop; run " + alter
          + " on the legacy database as the publication's owner (" + e.getMessage() + ")", e.getSQLState(), e);
    }
    if (!legacy.getAutoCommit()) {
      legacy.commit();
    }
    LOG.info("publication {}: set publish_via_partition_root, so that changes of partitioned table(s) {} come under "
        + "their own name", publication, partitioned);
    return alter;
  }
}
