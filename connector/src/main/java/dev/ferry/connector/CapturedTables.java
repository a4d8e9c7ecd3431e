package dev.ferry.connector;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a capture reads from the legacy catalog before Debezium starts, and refuses on: a server that does not allow
 * logical decoding to its user ({@link LogicalDecoding}), tables without a replica
 * identity (the publication would break the legacy application's updates), detail tables whose deletes would not
 * name their header ({@link ReplicaIdentity}, refused or fixed per {@code connector.replica-identity}); and what it
 * starts with: the order to snapshot the tables in ({@link SnapshotOrder}), the tables keyed by their replica identity
 * index, the server's major version, and a publication made with partitioned tables' option
 * ({@link PartitionedTables}). Also the replication slot's health ({@link #checkSlot}).
 *
 * @param order the captured tables, referenced ones first
 * @param legacyMajorVersion the legacy server's major version
 * @param keyedByIndex tables without a primary key, each with the columns of the replica identity index it is keyed by
 */
record CapturedTables(List<String> order, int legacyMajorVersion, Map<String, List<String>> keyedByIndex) {
  private static final Logger LOG = LoggerFactory.getLogger(CapturedTables.class);

  /**
   * Reads and checks the captured tables of {@code config}.
   *
   * @throws ConfigException when a table has no replica identity, or a detail table's deletes would lack header
   *     columns and {@code connector.replica-identity} is {@code check}; nothing is started
   */
  static CapturedTables read(final ConnectorConfig config) {
    final List<ReplicaIdentity.Gap> gaps;
    final List<String> order;
    final int major;
    final Map<String, List<String>> keyedByIndex;
    final List<ConfigProblem> nothing = new ArrayList<>();
    try (Connection legacy = config.connect()) {
      major = legacy.getMetaData().getDatabaseMajorVersion();
      final String encodingWarning = LegacyEncoding.warning(LegacyEncoding.of(legacy), config.server());
      if (encodingWarning != null) {
        LOG.warn("capture {}: {}", config.name(), encodingWarning);
      }
      // before the publication carries them: PostgreSQL would refuse the legacy application's updates of such a table
      for (final String table : config.tables()) {
        if (!config.appendOnly().contains(table) && ReplicaIdentity.isNothing(legacy, table)) {
          nothing.add(new ConfigProblem("legacy.tables", table, null, ReplicaIdentity.nothingProblem(table)));
        }
      }
      nothing.addAll(AppendOnlyTables.prepare(legacy, config));
      nothing.addAll(LogicalDecoding.problems(legacy, config));
      if (!nothing.isEmpty()) {
        throw new ConfigException(nothing);
      }
      gaps = ReplicaIdentity.apply(legacy, config.kafka().relations(), config.replicaIdentity());
      order = SnapshotOrder.parentsFirst(legacy, config.tables(), config.kafka().relations());
      keyedByIndex = ReplicaIdentity.keyedByIndex(legacy, config.tables());
      keyedByIndex.forEach((table, key) -> LOG.info("capture {}: {} has no primary key; its rows are keyed by its "
          + "replica identity index {}", config.name(), table, key));
      PartitionedTables.publishViaRoot(legacy, config.publicationName(), config.tables());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the detail tables' replica identity, the foreign keys and the "
          + "publication from " + config.jdbcUrl() + ": " + e.getMessage(), e);
    }
    if (!gaps.isEmpty()) {
      throw new ConfigException(gaps.stream().map(g -> new ConfigProblem("legacy.relations",
          g.relation().child(), null, g.describe())).toList());
    }
    if (!order.equals(config.tables())) {
      LOG.info("capture {}: tables snapshotted referenced ones first: {}", config.name(), order);
    }
    return new CapturedTables(order, major, keyedByIndex);
  }

  /**
   * Looks at the capture's replication slot before Debezium does ({@link SlotHealth}): a slot the server
   * invalidated is dropped under {@code connector.snapshot-mode: when-needed} (Debezium then takes a new snapshot),
   * and refused in the other modes.
   *
   * @throws IllegalStateException when the slot is lost and the mode is not {@code when-needed}; nothing is started
   */
  static void checkSlot(final ConnectorConfig config) {
    try (Connection legacy = config.connect()) {
      final SlotHealth health = SlotHealth.read(legacy, config.slotName());
      if (!health.lost()) {
        return;
      }
      if (config.snapshotMode() != SnapshotMode.WHEN_NEEDED) {
        throw new IllegalStateException(health.refusal(config.slotName(), config.server()));
      }
      LOG.warn("capture {}: replication slot {} on {} is lost ({}); connector.snapshot-mode is when-needed, so it is "
          + "dropped and the captured tables are read again (a new snapshot: the target ends equal to them)",
          config.name(), config.slotName(), config.server(), health.reasonInWords());
      SlotHealth.drop(legacy, config.slotName());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read or drop replication slot " + config.slotName() + " on "
          + config.server() + ": " + e.getMessage(), e);
    }
  }
}
