package dev.ferry.sink;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.LiveDirection;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Typed configuration of the sink.
 *
 * @param kafka shared Kafka settings
 * @param jdbcUrl target database JDBC URL
 * @param user target database user
 * @param password target database password
 * @param groupId consumer group; sink instances with the same id share the partitions
 * @param batchSize most records applied in one target transaction
 * @param versionColumn column of every target table holding the row's source version
 * @param offsetsTable table in the target holding the sink's consumed offsets
 * @param maxRetryBackoff longest wait between retries of a transient database error
 * @param tombstonesTable table in the target remembering deleted rows' versions
 * @param tombstoneRetention how long a deleted row's version is remembered
 * @param maxGroupRows largest source-transaction group applied in one target transaction
 * @param parkedTable table in the target holding rows that wait for another row: one they reference, or one
 *     holding a unique value they take
 * @param parkedTimeout how long such a row waits before it is dead-lettered
 * @param uniqueTimeout how long a row refused by a unique key waits before it is dead-lettered (the shorter of this
 *     and {@code parkedTimeout} holds)
 * @param copyThreshold upserts or deletes of at least this many rows of one table go through COPY and set-based statements
 * @param instanceId this instance's stable name in its consumer group, or empty for none
 * @param writers connections to the target, each writing its share of this instance's partitions
 * @param sweepsTable table in the target recording where the ends of snapshots have passed
 * @param snapshotDeletes whether rows a snapshot no longer holds are deleted once it has been applied
 * @param historyTable table in the target holding the run history
 * @param markWrites whether every target transaction carries Ferry's echo mark
 * @param rowVersionsTable table in the target holding the versions of rows of tables without the version column
 * @param control which direction of the sync this is, and where the live one is kept; the sink applies only while
 *     its direction is live
 */
public record SinkConfig(
    KafkaSettings kafka,
    String jdbcUrl,
    String user,
    String password,
    String groupId,
    int batchSize,
    String versionColumn,
    String offsetsTable,
    Duration maxRetryBackoff,
    String tombstonesTable,
    Duration tombstoneRetention,
    int maxGroupRows,
    String parkedTable,
    Duration parkedTimeout,
    int copyThreshold,
    String instanceId,
    int writers,
    String sweepsTable,
    boolean snapshotDeletes,
    String historyTable,
    boolean markWrites,
    String rowVersionsTable,
    LiveDirection.Settings control,
    Duration uniqueTimeout) {

  /** A configuration with the default tombstone and group settings. */
  public SinkConfig(final KafkaSettings kafka, final String jdbcUrl, final String user, final String password,
      final String groupId, final int batchSize, final String versionColumn, final String offsetsTable,
      final Duration maxRetryBackoff) {
    this(kafka, jdbcUrl, user, password, groupId, batchSize, versionColumn, offsetsTable, maxRetryBackoff,
        TOMBSTONES_TABLE.defaultValue(), TOMBSTONE_RETENTION.defaultValue(), MAX_GROUP_ROWS.defaultValue(),
        PARKED_TABLE.defaultValue(), PARKED_TIMEOUT.defaultValue(), COPY_THRESHOLD.defaultValue(),
        INSTANCE_ID.defaultValue(), WRITERS.defaultValue(), SWEEPS_TABLE.defaultValue(), SNAPSHOT_DELETES.defaultValue(),
        HISTORY_TABLE.defaultValue(), MARK_WRITES.defaultValue(), ROW_VERSIONS_TABLE.defaultValue(),
        LiveDirection.Settings.DEFAULT);
  }

  /** A configuration with the default wait of a row refused by a unique key. */
  public SinkConfig(final KafkaSettings kafka, final String jdbcUrl, final String user, final String password,
      final String groupId, final int batchSize, final String versionColumn, final String offsetsTable,
      final Duration maxRetryBackoff, final String tombstonesTable, final Duration tombstoneRetention,
      final int maxGroupRows, final String parkedTable, final Duration parkedTimeout, final int copyThreshold,
      final String instanceId, final int writers, final String sweepsTable, final boolean snapshotDeletes,
      final String historyTable, final boolean markWrites, final String rowVersionsTable,
      final LiveDirection.Settings control) {
    this(kafka, jdbcUrl, user, password, groupId, batchSize, versionColumn, offsetsTable, maxRetryBackoff,
        tombstonesTable, tombstoneRetention, maxGroupRows, parkedTable, parkedTimeout, copyThreshold, instanceId,
        writers, sweepsTable, snapshotDeletes, historyTable, markWrites, rowVersionsTable, control,
        UNIQUE_TIMEOUT.defaultValue());
  }

  private static final String TARGET = "target";
  private static final String SINK = "sink";

  public static final Setting<String> JDBC_URL = new Setting<>("target.jdbc-url", TARGET,
      "JDBC URL of the target database: jdbc:postgresql://host:5432/newsystem for PostgreSQL, "
          + "jdbc:mariadb://host:3306/newsystem for MariaDB or MySQL. The URL picks the SQL dialect.", null,
      raw -> {
        final String url = raw.trim();
        TargetDialect.of(url);
        return url;
      }, "a JDBC URL starting with jdbc:postgresql: or jdbc:mariadb:");
  public static final Setting<String> USER = Setting.string("target.user", TARGET, "postgres",
      "Target database user; needs INSERT, UPDATE, DELETE on the target tables and CREATE for the offsets table.");
  public static final Setting<String> PASSWORD = new Setting<>("target.password", TARGET,
      "Target database password; prefer the environment variable FERRY_TARGET_PASSWORD.", "", raw -> raw,
      "any text");
  public static final Setting<String> GROUP_ID = Setting.string("sink.group-id", SINK, "ferry-sink",
      "Consumer group of the sink; instances with the same id share the apply topic's partitions.");
  public static final Setting<Integer> BATCH_SIZE = Setting.integer("sink.batch-size", SINK, 5000, 1, 100_000,
      "Most change records applied in one target transaction. A sink that keeps up applies what each poll brings, "
          + "often a few records; one that is behind (an initial sync, a backlog) fills its transactions up to this "
          + "many. 5000 against 1000 took a million-row migration from 33-36 s to 27-30 s, a fifth less CPU on the "
          + "machine (docs/benchmarks.md, session 35).");
  public static final Setting<String> VERSION_COLUMN = Setting.string("sink.version-column", SINK, "ferry_version",
      "Column (bigint) of a target table holding the row's source version; rows never move to a lower version. A "
          + "table without it (a database Ferry may not alter, such as the legacy one after cutover) has its rows' "
          + "versions kept in sink.row-versions-table instead.");
  public static final Setting<String> ROW_VERSIONS_TABLE = Setting.string("sink.row-versions-table", SINK,
      "ferry_row_versions", "Table in the target holding the source version of every row Ferry wrote to a target table "
          + "that has no version column, so that those rows never go back in time either; one row per key ever "
          + "written. Such tables are always written with batched statements, not COPY.");
  public static final Setting<String> OFFSETS_TABLE = Setting.string("sink.offsets-table", SINK, "ferry_sink_offsets",
      "Table in the target where the sink keeps its consumed offsets, written in the same transaction as the rows.");
  public static final Setting<Duration> MAX_RETRY_BACKOFF = Setting.duration("sink.max-retry-backoff", SINK,
      Duration.ofSeconds(10), Duration.ofMillis(100),
      "Longest wait between retries of a transient database error (connection lost, deadlock, restart).");

  public static final Setting<String> TOMBSTONES_TABLE = Setting.string("sink.tombstones-table", SINK,
      "ferry_tombstones", "Table in the target remembering the version of each deleted row, so that a late older "
          + "update cannot bring the row back.");
  public static final Setting<Duration> TOMBSTONE_RETENTION = Setting.duration("sink.tombstone-retention", SINK,
      Duration.ofDays(7), Duration.ofMinutes(1),
      "How long a deleted row's version is remembered; must exceed the longest a redelivered change can lag.");
  public static final Setting<Integer> MAX_GROUP_ROWS = Setting.integer("sink.max-group-rows", SINK, 100_000, 1,
      10_000_000, "Largest group (the rows one source transaction changed under one header) applied in one target "
          + "transaction; a larger one is applied in parts, with a warning, rather than held in memory.");

  public static final Setting<String> PARKED_TABLE = Setting.string("sink.parked-table", SINK, "ferry_parked",
      "Table in the target holding rows the target refused because a row they reference (a foreign key) is not "
          + "there yet, or because another row holds a value of a unique key they take (the legacy database moved it, "
          + "and the other row's change has not arrived); they are retried, in the target's own transactions, so a "
          + "crash loses none.");
  public static final Setting<Duration> PARKED_TIMEOUT = Setting.duration("sink.parked-timeout", SINK,
      Duration.ofMinutes(5), Duration.ofSeconds(1),
      "How long a parked row waits for the row it references before it goes to the dead-letter topic (a row a "
          + "unique key refuses: sink.parked-unique-timeout).");
  public static final Setting<Duration> UNIQUE_TIMEOUT = Setting.duration("sink.parked-unique-timeout", SINK,
      Duration.ofSeconds(30), Duration.ofSeconds(1),
      "How long a row the target refused because another row holds a value of a unique key waits parked for that "
          + "row to give the value up (a legacy transaction moved it between rows, whose changes reach the target in "
          + "either order) before it goes to the dead-letter topic; at most sink.parked-timeout. Shorter than that: "
          + "a true duplicate is dead-lettered soon, and a value moved is given up within moments.");

  public static final Setting<Integer> COPY_THRESHOLD = Setting.integer("sink.copy-threshold", SINK, 500, 1,
      10_000_000, "Upserts of at least this many rows of one table in a batch, or deletes of at least this many, are "
          + "streamed with COPY into a staging table and applied with a few set-based statements (PostgreSQL "
          + "targets; upserts into a table with no tombstone are first copied straight into it, as an initial load's "
          + "new rows are, and merged where a row is already there); smaller ones use batched statements.");

  public static final Setting<String> INSTANCE_ID = new Setting<>("sink.instance-id", SINK,
      "A stable name for this sink instance in its consumer group (Kafka static membership, e.g. the pod name of a "
          + "StatefulSet). A restarted instance with the same name takes its partitions back at once instead of "
          + "waiting for the group to notice the old one is gone. Empty: dynamic membership.", "", String::trim,
      "any text; unique per instance");

  public static final Setting<Integer> WRITERS = Setting.integer("sink.writers", SINK, 2, 1, 64,
      "Connections this sink instance writes to the target with, each applying whole batches with their "
          + "offsets in its own transactions. A partition is applied by one writer at a time, in order; a partition "
          + "with no batch in flight goes to the least loaded writer. Two let the database merge one batch while the "
          + "sink prepares the next; more than the partitions an instance holds is pointless.");

  public static final Setting<String> SWEEPS_TABLE = Setting.string("sink.sweeps-table", SINK, "ferry_sweeps",
      "Table in the target recording where the end of each snapshot has passed, per partition, so that sink instances "
          + "agree when all of a snapshot has been applied.");
  public static final Setting<Boolean> SNAPSHOT_DELETES = Setting.bool("sink.snapshot-deletes", SINK, true,
      "After a snapshot (the initial one, the one after a lost replication slot, or ferry resnapshot) has been "
          + "applied, delete the rows of its tables that Ferry wrote before it and it did not hold: rows deleted from "
          + "the legacy database while nothing captured them. Rows Ferry did not write are never touched. Turn it off "
          + "where another pipeline or legacy database writes the same target tables (their rows would look absent). "
          + "Off: such rows stay, and only a log line says the snapshot is complete.");
  public static final Setting<String> HISTORY_TABLE = Setting.string("sink.history-table", SINK, "ferry_history",
      "Table in the target holding the run history (sink starts and stops, snapshots applied, replay passes, "
          + "reconciliations), created on first use; ferry history prints it.");
  public static final Setting<Boolean> MARK_WRITES = Setting.bool("sink.mark-writes", SINK, false,
      "Mark every target transaction as Ferry's own (on PostgreSQL a transactional logical decoding message, prefix "
          + "ferry-echo), so that a Ferry capture of this target (the reverse direction, at cutover or while both "
          + "directions run) drops what the sink wrote instead of sending it back. Turn it on wherever another Ferry "
          + "pipeline captures this sink's target. Off: nothing is marked, and the statement it costs per transaction "
          + "is saved (it showed in the streaming tail latency, docs/benchmarks.md).");

  public static final List<Setting<?>> SETTINGS = List.of(JDBC_URL, USER, PASSWORD, GROUP_ID, BATCH_SIZE,
      VERSION_COLUMN, OFFSETS_TABLE, MAX_RETRY_BACKOFF, TOMBSTONES_TABLE, TOMBSTONE_RETENTION, MAX_GROUP_ROWS,
      PARKED_TABLE, PARKED_TIMEOUT, UNIQUE_TIMEOUT, COPY_THRESHOLD, INSTANCE_ID, WRITERS, SWEEPS_TABLE, SNAPSHOT_DELETES,
      HISTORY_TABLE, MARK_WRITES, ROW_VERSIONS_TABLE);

  public static SinkConfig from(final Config config) {
    return new SinkConfig(KafkaSettings.from(config), config.get(JDBC_URL), config.get(USER), config.get(PASSWORD),
        config.get(GROUP_ID), config.get(BATCH_SIZE), config.get(VERSION_COLUMN), config.get(OFFSETS_TABLE),
        config.get(MAX_RETRY_BACKOFF), config.get(TOMBSTONES_TABLE), config.get(TOMBSTONE_RETENTION),
        config.get(MAX_GROUP_ROWS), config.get(PARKED_TABLE), config.get(PARKED_TIMEOUT),
        config.get(COPY_THRESHOLD), config.get(INSTANCE_ID), config.get(WRITERS), config.get(SWEEPS_TABLE),
        config.get(SNAPSHOT_DELETES), config.get(HISTORY_TABLE), config.get(MARK_WRITES),
        config.get(ROW_VERSIONS_TABLE), LiveDirection.Settings.from(config), config.get(UNIQUE_TIMEOUT));
  }

  /** The run history this configuration's target keeps. */
  public dev.ferry.history.RunHistory history() {
    return new dev.ferry.history.RunHistory(() -> connect("ferry-history"), historyTable);
  }

  /**
   * A connection to the target as Ferry's other commands read and write it (reconcile, audit, cutover, history):
   * the dialect's driver properties, without the time limits an administrator may set for the role
   * ({@link TargetDialect#liftTimeLimits}), auto-commit on. The sink's own writers connect through
   * {@code RetryingConnection}, which adds its session settings.
   *
   * @param who names the connection where the database shows it ({@code ferry-reconcile})
   */
  public Connection connect(final String who) throws SQLException {
    final TargetDialect dialect = TargetDialect.of(jdbcUrl);
    final Properties p = dialect.connectionProperties(who);
    p.put("user", user);
    p.put("password", password);
    return dialect.open(jdbcUrl, p);
  }
}
