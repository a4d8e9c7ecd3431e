package dev.ferry.connector;

import dev.ferry.config.ConfigProblem;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RowVersion;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.TableKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The captured tables declared append-only ({@code legacy.append-only}): tables with nothing that tells their rows
 * apart, whose changes the capture keys by their position in the legacy log ({@link LegacyPosition}).
 *
 * <p>What such a table needs: no key of its own (a table with a primary key or a replica identity index is keyed by
 * it, and declaring it append-only would make an update a second row), and {@code REPLICA IDENTITY FULL}: without a
 * replica identity PostgreSQL refuses every UPDATE and DELETE of a table once a publication carries it, which would
 * break the legacy application's retention jobs.
 *
 * <p>A TRUNCATE of such a table cannot be answered by reading it again, as other tables' are ({@link TruncatedTables}):
 * Debezium reads a table again in chunks of its key, and this one has none. Nor does it need to: every row it held
 * was written below the TRUNCATE (its lock waited for every earlier writer of the table to commit), so a sweep at the
 * TRUNCATE's position, the end of a snapshot that read nothing, removes them from the target ({@link #truncated}).
 *
 * <p>Not thread-safe: used on the capture's thread (its static checks on any).
 */
public final class AppendOnlyTables {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AppendOnlyTables.class);
  /** The sweep kind of a TRUNCATE of an append-only table. */
  static final String TRUNCATE = "Truncate";

  private final Set<String> tables;
  /**
   * Rows of a snapshot Debezium sent (not the direct load, which numbers its own), per table. The configuration keeps
   * append-only tables from Debezium's snapshots; a batch Kafka did not take and that is written again numbers its
   * rows on (the first attempt's were aborted), so no rollback is needed.
   */
  private final Map<String, Long> snapshotRows = new HashMap<>();

  AppendOnlyTables(final List<String> tables) {
    this.tables = Set.copyOf(tables);
  }

  /** Whether {@code table} ({@code schema.table}) is append-only. */
  boolean contains(final String table) {
    return tables.contains(table);
  }

  /**
   * {@code change} keyed by its position when its table is append-only; else {@code change} as it is. A streamed
   * change is named by its log record's position and its order in its transaction ({@code total_order}): one record
   * holds several rows where the legacy application COPYs into the table (a multi-insert record), and a transaction
   * sent again comes from its first change with the same orders ({@link ResumePositions}).
   */
  ChangeEvent keyed(final ChangeEvent change) {
    if (tables.isEmpty()) {
      return change; // the usual capture: nothing to look up per change
    }
    final SourcePosition src = change.getSource();
    final String table = src.getSchema$() + "." + src.getTable();
    if (!tables.contains(table)) {
      return change;
    }
    if (src.getSnapshot() || src.getTxOrder() == null) {
      return LegacyPosition.keyed(change, LegacyPosition.snapshot(src.getLsn(),
          snapshotRows.merge(table, 1L, Long::sum)));
    }
    return LegacyPosition.keyed(change, LegacyPosition.streamed(src.getLsn(), src.getTxOrder()));
  }

  /** The sweep that answers a TRUNCATE of append-only table {@code table} at log position {@code lsn}. */
  static SnapshotEnds.Ended truncated(final String table, final long lsn) {
    LOG.warn("TRUNCATE of append-only table {} in the legacy database: the rows Ferry wrote for it are to be removed "
        + "from the target", table);
    return new SnapshotEnds.Ended(TRUNCATE, List.of(table), RowVersion.streamed(lsn));
  }

  /**
   * At the capture's start: under {@code connector.replica-identity: set-full} gives the append-only tables and their
   * partitions {@code REPLICA IDENTITY FULL} where they lack it; then what keeps them from being captured so
   * ({@link #problems}). One read of the catalog.
   */
  static List<ConfigProblem> prepare(final Connection legacy, final ConnectorConfig config) throws SQLException {
    final List<Found> found = read(legacy, config);
    if (config.replicaIdentity() == ReplicaIdentityPolicy.SET_FULL) {
      setFull(legacy, lacking(found));
    }
    return describe(found, config);
  }

  /**
   * The append-only tables of {@code config}, and their partitions, that are not {@code REPLICA IDENTITY FULL}:
   * under {@code connector.replica-identity: set-full} made so (and none returned), else returned (qualified). A
   * partition the legacy application makes while the capture runs is one ({@link SlotWatch} looks once a minute).
   */
  static List<String> closeGaps(final Connection legacy, final ConnectorConfig config) throws SQLException {
    final List<String> lacking = lacking(read(legacy, config));
    if (lacking.isEmpty() || config.replicaIdentity() != ReplicaIdentityPolicy.SET_FULL) {
      return lacking;
    }
    setFull(legacy, lacking);
    return List.of();
  }

  /**
   * What keeps the append-only tables of {@code config} from being captured so, read from {@code legacy}'s catalog:
   * one that has a key of its own, one without {@code REPLICA IDENTITY FULL} (under {@code connector.replica-identity:
   * check}: with set-full the capture sets it itself when it starts), one that does not exist.
   */
  public static List<ConfigProblem> problems(final Connection legacy, final ConnectorConfig config) throws SQLException {
    return describe(read(legacy, config), config);
  }

  /** One append-only table as the catalog shows it: its identity (null when it does not exist) and its key. */
  private record Found(String table, Identity identity, TableKey key) {
  }

  private static List<Found> read(final Connection legacy, final ConnectorConfig config) throws SQLException {
    final List<Found> out = new ArrayList<>();
    for (final String table : config.appendOnly()) {
      final String[] parts = table.split("\\.", 2);
      if (parts.length < 2) {
        continue; // the configuration's own check names it
      }
      final Identity identity = identity(legacy, parts[0], parts[1]);
      out.add(new Found(table, identity, identity == null ? null : TableKey.captured(legacy, parts[0], parts[1])));
    }
    return out;
  }

  /** The parts of keyless existing tables among {@code found} that are not FULL. */
  private static List<String> lacking(final List<Found> found) {
    final List<String> out = new ArrayList<>();
    for (final Found f : found) {
      if (f.identity() != null && f.key().isEmpty()) {
        out.addAll(f.identity().notFull());
      }
    }
    return out;
  }

  private static void setFull(final Connection legacy, final List<String> relations) throws SQLException {
    if (relations.isEmpty()) {
      return;
    }
    try (java.sql.Statement s = legacy.createStatement()) {
      for (final String relation : relations) {
        s.execute(ReplicaIdentity.setFull(relation));
        LOG.info("{}: part of an append-only table, without REPLICA IDENTITY FULL, which PostgreSQL needs for its "
            + "UPDATEs and DELETEs once published; set it (connector.replica-identity: set-full)", relation);
      }
    }
    if (!legacy.getAutoCommit()) {
      legacy.commit();
    }
  }

  private static List<ConfigProblem> describe(final List<Found> found, final ConnectorConfig config) {
    final List<ConfigProblem> out = new ArrayList<>();
    for (final Found f : found) {
      final String table = f.table();
      if (f.identity() == null) {
        out.add(problem(table, "no such table in the legacy database"));
      } else if (!f.key().isEmpty()) {
        out.add(problem(table, "legacy table " + table + " has a key, its " + f.key().describe() + " "
            + f.key().columns() + ", and Ferry keys its rows by it (an update of a row stays one row): remove it from "
            + "legacy.append-only"));
      } else if (!f.identity().notFull().isEmpty() && config.replicaIdentity() == ReplicaIdentityPolicy.CHECK) {
        out.add(problem(table, "append-only table " + table + " needs REPLICA IDENTITY FULL"
            + (f.identity().partitioned() ? " on itself and each of its partitions (PostgreSQL checks the partition "
            + "an UPDATE or DELETE changes)" : "") + ": without it PostgreSQL refuses every UPDATE and DELETE of it "
            + "once the capture's publication carries it, which would break the legacy application's writes; run "
            + String.join("; ", f.identity().notFull().stream().map(ReplicaIdentity::setFull).toList())
            + " on the legacy database"));
      }
    }
    return out;
  }

  /**
   * A table's replica identity: whether it is partitioned, and which of it and its partitions are not {@code REPLICA
   * IDENTITY FULL} (qualified, quoted where need be).
   */
  private record Identity(boolean partitioned, List<String> notFull) {
  }

  /** The replica identity of {@code schema.table}; null when it does not exist. */
  private static Identity identity(final Connection legacy, final String schema, final String table)
      throws SQLException {
    // pg_partition_tree lists a partitioned table and its partitions, and nothing for a table that is not one
    try (PreparedStatement ps = legacy.prepareStatement("SELECT t.relkind = 'p', ARRAY(SELECT format('%I.%I', "
        + "pn.nspname, p.relname) FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace "
        + "WHERE (p.oid = t.oid OR p.oid IN (SELECT relid FROM pg_partition_tree(t.oid))) "
        + "AND p.relkind IN ('r', 'p') AND p.relreplident <> 'f' ORDER BY p.oid <> t.oid, p.relname) "
        + "FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = ? AND t.relname = ?")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Identity(rs.getBoolean(1), List.of((String[]) rs.getArray(2).getArray())) : null;
      }
    }
  }

  private static ConfigProblem problem(final String table, final String message) {
    return new ConfigProblem(ConnectorConfig.APPEND_ONLY.key(), table, null, message);
  }
}
