package dev.ferry.connector;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.PostgresSessions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Typed configuration of the change-capture service: which legacy database and tables, and how
 * Debezium keeps its place. Keys under {@code debezium.} are passed to Debezium unchanged (the
 * prefix removed), for the rare setting Ferry does not model.
 */
public record ConnectorConfig(
    KafkaSettings kafka,
    String name,
    String host,
    int port,
    String database,
    String user,
    String password,
    List<String> tables,
    List<String> appendOnly,
    String slotName,
    String publicationName,
    OffsetStorage offsetStorage,
    Path offsetFile,
    String offsetTopic,
    Duration offsetFlushInterval,
    SnapshotMode snapshotMode,
    InitialLoad initialLoad,
    ReplicaIdentityPolicy replicaIdentity,
    Duration heartbeatInterval,
    Map<String, String> passThrough) {

  /** Prefix of the logical decoding messages the heartbeat writes. */
  static final String HEARTBEAT_PREFIX = "ferry-heartbeat";
  private static final String LEGACY = "legacy";
  private static final String CONNECTOR = "connector";
  public static final String PASS_THROUGH_PREFIX = "debezium.";

  public static final Setting<String> HOST = Setting.string("legacy.host", LEGACY, null,
      "Host of the legacy PostgreSQL server to capture from.");
  public static final Setting<Integer> PORT = Setting.integer("legacy.port", LEGACY, 5432, 1, 65_535,
      "Port of the legacy PostgreSQL server.");
  public static final Setting<String> DATABASE = Setting.string("legacy.database", LEGACY, null,
      "Legacy database name.");
  public static final Setting<String> USER = Setting.string("legacy.user", LEGACY, "postgres",
      "User with the REPLICATION attribute and SELECT on the captured tables.");
  public static final Setting<String> PASSWORD = new Setting<>("legacy.password", LEGACY,
      "Password of legacy.user; prefer the environment variable FERRY_LEGACY_PASSWORD.", "", raw -> raw,
      "any text");
  public static final Setting<List<String>> TABLES = Setting.list("legacy.tables", LEGACY, null,
      "Tables to capture, as schema.table.");
  public static final Setting<List<String>> APPEND_ONLY = Setting.list("legacy.append-only", LEGACY, List.of(),
      "Captured tables with nothing that tells their rows apart (no primary key, no unique index on NOT NULL columns: "
          + "an audit trail, a log), synced as append-only: each row is keyed by where it entered the legacy database, "
          + "the column ferry_position, which the mapping writes into the target's key. Each needs REPLICA IDENTITY "
          + "FULL; its inserts and TRUNCATEs are applied, its updates and deletes dead-lettered (docs/mapping.md).");
  public static final Setting<String> NAME = Setting.string("connector.name", CONNECTOR, "ferry-legacy",
      "Logical name of this capture; appears in logs and metrics.");
  public static final Setting<String> SLOT = Setting.string("connector.slot-name", CONNECTOR, "ferry",
      "PostgreSQL logical replication slot; one per capture.");
  public static final Setting<String> PUBLICATION = Setting.string("connector.publication-name", CONNECTOR, "ferry",
      "PostgreSQL publication, created for the captured tables if missing.");
  public static final Setting<OffsetStorage> OFFSET_STORAGE = Setting.option("connector.offset-storage", CONNECTOR,
      OffsetStorage.FILE, OffsetStorage.class, "Where the capture's source position is kept across restarts: file "
          + "(connector.offset-file, lost with the connector's disk) or kafka (connector.offset-topic, a compacted "
          + "topic, so the connector can move to another machine). Either is written only after Kafka acknowledged "
          + "the events up to that position.");
  public static final Setting<String> OFFSET_FILE = Setting.string("connector.offset-file", CONNECTOR,
      ".ferry/connector-offsets.dat",
      "File where the capture's source position is kept, with connector.offset-storage file.");
  public static final Setting<String> OFFSET_TOPIC = new Setting<>("connector.offset-topic", CONNECTOR,
      "Compacted topic where the capture's source position is kept, with connector.offset-storage kafka; created "
          + "if missing. Empty: topics.prefix followed by .connector-offsets.", "", String::trim,
      "a Kafka topic name, or empty");
  public static final Setting<Duration> OFFSET_FLUSH = Setting.duration("connector.offset-flush-interval",
      CONNECTOR, Duration.ofSeconds(1), Duration.ZERO,
      "How often the acknowledged source position is written to the offset store and confirmed to PostgreSQL. "
          + "Shorter means fewer events resent after a crash.");
  public static final Setting<SnapshotMode> SNAPSHOT_MODE = Setting.option("connector.snapshot-mode", CONNECTOR,
      SnapshotMode.INITIAL, SnapshotMode.class, "When to read the tables' existing rows before streaming.");
  public static final Setting<InitialLoad> INITIAL_LOAD = Setting.option("connector.initial-load", CONNECTOR,
      InitialLoad.AUTO, InitialLoad.class, "How the existing rows reach the target when the capture snapshots them "
          + "(connector.snapshot-mode initial or when-needed). direct: the connector reads the tables in the "
          + "replication slot's exported snapshot, maps each row (processor.mapping-file, read by the connector too) "
          + "and writes it to the apply topic, skipping the CDC topics and the processor for the initial sync (about "
          + "half the time and CPU); a refused row goes to the dead-letter topic as from the processor. Not with unique "
          + "rules in the mapping. kafka: Debezium's snapshot, every row a change event through the CDC topics and the "
          + "processor. auto: direct, or kafka where the mapping has unique rules.");

  public static final Setting<ReplicaIdentityPolicy> REPLICA_IDENTITY = Setting.option("connector.replica-identity",
      CONNECTOR, ReplicaIdentityPolicy.CHECK, ReplicaIdentityPolicy.class, "A delete is captured with the old row's "
          + "replica identity only (by default its primary key). A detail table of legacy.relations whose key lacks "
          + "the header columns (a line with its own serial id) would send deletes that cannot be kept with their "
          + "header. check: refuse to start, naming each such table and the statement that fixes it; set-full: run "
          + "ALTER TABLE .. REPLICA IDENTITY FULL on each at start (needs the table's owner; more WAL per update and "
          + "delete of those tables). The same for legacy.append-only tables and their partitions, at start and, for "
          + "partitions made later, once a minute (check: warn).");

  public static final Setting<Duration> HEARTBEAT = Setting.duration("connector.heartbeat-interval", CONNECTOR,
      Duration.ofSeconds(10), Duration.ofSeconds(1),
      "How often the capture confirms its position to PostgreSQL while the captured tables are quiet. It writes a "
          + "logical decoding message (pg_logical_emit_message, no table needed) that the capture reads and drops: "
          + "without it, a slot whose tables are quiet keeps every WAL segment the rest of a busy database writes.");

  public static final List<Setting<?>> SETTINGS = List.of(HOST, PORT, DATABASE, USER, PASSWORD, TABLES, APPEND_ONLY, NAME, SLOT,
      PUBLICATION, OFFSET_STORAGE, OFFSET_FILE, OFFSET_TOPIC, OFFSET_FLUSH, SNAPSHOT_MODE, INITIAL_LOAD,
      REPLICA_IDENTITY, HEARTBEAT);

  /**
   * The connector's settings, {@code connector.initial-load} as configured: {@code auto} left undecided loads through
   * Kafka ({@link #loadsDirectly}); {@link #from(Config, Map, InitialLoad)} takes the decision for the mapping.
   */
  public static ConnectorConfig from(final Config config, final Map<String, String> passThrough) {
    return from(config, passThrough, config.get(INITIAL_LOAD));
  }

  /** The connector's settings with {@code initialLoad} as decided for the mapping ({@link InitialLoad#decide}). */
  public static ConnectorConfig from(final Config config, final Map<String, String> passThrough,
      final InitialLoad initialLoad) {
    final KafkaSettings kafka = KafkaSettings.from(config);
    return new ConnectorConfig(kafka, config.get(NAME), config.get(HOST), config.get(PORT),
        config.get(DATABASE), config.get(USER), config.get(PASSWORD), config.get(TABLES), config.get(APPEND_ONLY), config.get(SLOT),
        config.get(PUBLICATION), config.get(OFFSET_STORAGE), Path.of(config.get(OFFSET_FILE)),
        config.get(OFFSET_TOPIC).isEmpty() ? kafka.topicPrefix() + ".connector-offsets"
            : config.get(OFFSET_TOPIC), config.get(OFFSET_FLUSH),
        config.get(SNAPSHOT_MODE), initialLoad, config.get(REPLICA_IDENTITY), config.get(HEARTBEAT), Map.copyOf(passThrough));
  }

  /** A JDBC connection to the legacy database, as the capture's user, for its catalog checks and the slot's watch. */
  public Connection connect() throws SQLException {
    final Properties p = PostgresSessions.properties("ferry");
    p.put("user", user);
    p.put("password", password);
    p.put("connectTimeout", "10");
    return PostgresSessions.connect(jdbcUrl(), p);
  }

  /** The legacy database as log lines and messages name it: {@code host:port/database}. */
  public String server() {
    return host + ":" + port + "/" + database;
  }

  /** JDBC URL of the legacy database (for catalog checks; capture itself goes through Debezium). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /**
   * The Debezium PostgreSQL connector properties for this capture. Fixed choices, and why:
   * {@code pgoutput} needs no server plugin; transaction metadata tells downstream stages when a
   * transaction is complete; decimals as text keep exact values without per-column Avro schemas;
   * source column types are propagated so numeric text is known to be a decimal.
   */
  public Properties debeziumProperties() {
    return debeziumProperties(tables, 13, Map.of());
  }

  /**
   * {@link #debeziumProperties()} with the tables in {@code snapshotOrder} (the same tables): Debezium snapshots
   * them in the order of its {@code table.include.list} ({@link SnapshotOrder}); the sessions' limits lifted are
   * those a legacy server of {@code legacyMajorVersion} has ({@link PostgresSessions#options(int)}).
   */
  Properties debeziumProperties(final List<String> snapshotOrder, final int legacyMajorVersion,
      final Map<String, List<String>> keyedByIndex) {
    final Properties p = new Properties();
    p.put("name", name);
    p.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    p.put("plugin.name", "pgoutput");
    p.put("database.hostname", host);
    p.put("database.port", String.valueOf(port));
    p.put("database.dbname", database);
    p.put("database.user", user);
    p.put("database.password", password);
    // the snapshot without the role's time limits (PostgresSessions says why): pgjdbc's startup options, which
    // Debezium hands to every connection it opens, the replication one included
    p.put("driver.options", PostgresSessions.options(legacyMajorVersion));
    p.put("topic.prefix", name);
    p.put("table.include.list", String.join(",", escaped(snapshotOrder)));
    p.put("slot.name", slotName);
    p.put("publication.name", publicationName);
    p.put("publication.autocreate.mode", "filtered");
    // a partitioned table's changes under its own name, not its partitions' (which the table list would drop;
    // PartitionedTables sets it on a publication made before); PostgreSQL 13 or later, as the snapshots need
    p.put("publish.via.partition.root", "true");
    // after a direct load too: the position it stored makes Debezium skip its own snapshot (StoredPosition)
    p.put("snapshot.mode", snapshotMode.debeziumValue());
    p.put("provide.transaction.metadata", "true");
    // how long the streaming loop sleeps when PostgreSQL has nothing new, and how long Debezium's queue fills a batch
    // before handing it over: Debezium's 500 ms default was the largest part of the latency at low rates. Each batch
    // is one Kafka transaction (ChangePublisher), whose round trips and markers were the broker's largest cost in
    // streaming: 25 ms instead of 10 ms made fewer, larger batches, less CPU for the connector and the broker, and a
    // shorter tail on two shared cores, for about 10 ms more at the median (docs/benchmarks.md, session 15)
    p.put("poll.interval.ms", "25");
    p.put("decimal.handling.mode", "string");
    p.put("time.precision.mode", "adaptive_time_microseconds");
    // ISO-8601 text (P1Y2M3DT4H5M6.5S), which PostgreSQL reads back exactly; the numeric mode counts a month as 30 days
    p.put("interval.handling.mode", "string");
    p.put("column.propagate.source.type", ".*");
    // a column of a type Debezium has no converter for (a composite type, pg_lsn, tsquery, ...) is captured as its
    // text (PostgresTextValues); without this Debezium hands the converter null for it while streaming
    p.put("include.unknown.datatypes", "true");
    p.put("converters", PostgresTextValues.NAME);
    p.put(PostgresTextValues.NAME + ".type", PostgresTextValues.class.getName());
    if (!keyedByIndex.isEmpty()) {
      // tables without a primary key keyed by the unique index named as their replica identity (ReplicaIdentity)
      final List<String> keys = new ArrayList<>();
      keyedByIndex.forEach((table, columns) -> keys.add(escaped(List.of(table)).get(0) + ":" + String.join(",",
          columns)));
      p.put("message.key.columns", String.join(";", keys));
    }
    p.put("tombstones.on.delete", "false");
    // TRUNCATE events too (Debezium skips them by default): a truncated legacy table is read again (TruncatedTables)
    p.put("skipped.operations", "none");
    p.put("offset.storage", offsetStorage.backingStore());
    if (offsetStorage == OffsetStorage.FILE) {
      p.put("offset.storage.file.filename", offsetFile.toAbsolutePath().toString());
    } else {
      p.put("bootstrap.servers", kafka.bootstrapServers());
      // the offset store's clients read the engine's own properties: the pass-through security settings too
      kafka.clientProperties().forEach(p::put);
      p.put("offset.storage.topic", offsetTopic);
      // one partition: a single capture writes it, and its records are read back in order at start
      p.put("offset.storage.partitions", "1");
      p.put("offset.storage.replication.factor", String.valueOf(kafka.replicationFactor()));
    }
    p.put("offset.flush.interval.ms", String.valueOf(offsetFlushInterval.toMillis()));
    p.put("errors.max.retries", "-1");
    // a replication session the legacy server ended (a blip, an administrator's script, a restart) restarts the
    // task after this wait, then resumes from the confirmed position: Debezium's 10 s were most of the gap a blip
    // left (NoTornOrdersIT); a server that stays down is tried again this often, one error line each time
    p.put("retriable.restart.connector.wait.ms", "3000");
    // a legacy server that restarts (fast shutdown) closes the replication connection quietly: the stream's reads
    // see nothing, and only a status update written to the dead socket fails. Every second instead of Debezium's 10 s,
    // so that the capture notices within about that and restarts (LegacyRestartIT); a message of a few bytes
    p.put("status.update.interval.ms", "1000");
    // quiet captured tables in a busy database: Debezium confirms a position only for what it reads, so a
    // heartbeat writes something it reads (a logical decoding message, which needs no table in the legacy schema)
    // and then drops (excluded by prefix), and the slot moves on. Transactional, so that the position it leaves
    // carries a transaction id: the read-only incremental snapshot compares that id with its watermarks on every
    // heartbeat, and fails on one without (a non-transactional message)
    p.put("heartbeat.interval.ms", String.valueOf(heartbeatInterval.toMillis()));
    p.put("heartbeat.action.query", "SELECT pg_logical_emit_message(true, '" + HEARTBEAT_PREFIX + "', '')");
    p.put("message.prefix.exclude.list", HEARTBEAT_PREFIX);
    // snapshot progress comes to the capture in the queue of changes, in stream order (SnapshotEnds): the end of
    // a snapshot is marked behind its rows, and the sink removes what the snapshot no longer holds. The capture
    // reads these records and never writes them to Kafka
    p.put("notification.enabled.channels", "sink");
    p.put("notification.sink.topic.name", debeziumNotificationTopic());
    if (takesResnapshots()) {
      // a re-snapshot on request (ferry resnapshot) is Debezium's incremental snapshot: started by a signal on a
      // Kafka topic, read in chunks while the stream goes on, watermarked with pg_current_snapshot() (read.only), so
      // nothing is written to the legacy database for it
      p.put("signal.enabled.channels", "kafka");
      p.put("signal.kafka.topic", signalTopic());
      p.put("signal.kafka.bootstrap.servers", kafka.bootstrapServers());
      p.put("signal.kafka.groupId", name + "-signals");
      kafka.clientProperties().forEach((k, v) -> p.put("signal.consumer." + k, v));
      // Debezium reads the signal topic every 5 s for 100 ms, too short a wait for its consumer to reach the record:
      // a signal lies unread for about 26 s (five reads, in LegacyTruncateIT). Reading it for a second, every second,
      // started a re-snapshot at once, and once (1 run of 4) one that came a second after the initial snapshot ended
      // failed inside Debezium (a NullPointerException, then a customer id parsed as an order id) and stopped the
      // capture; so Debezium's defaults stay until that is understood (session 23)
      p.put("read.only", "true");
    }
    passThrough.forEach(p::put);
    return p;
  }

  private static List<String> escaped(final List<String> tables) {
    final List<String> out = new ArrayList<>();
    for (final String t : tables) {
      // Debezium reads each entry as a regular expression: every character that means something there is escaped
      out.add("^" + t.replaceAll("([\\\\.\\[\\]{}()*+?^$|])", "\\\\$1") + "$");
    }
    return out;
  }

  /**
   * Whether the capture takes {@code ferry resnapshot} signals: not when it starts without a snapshot ({@code
   * no-data}), where Debezium 3.6's read-only incremental snapshot has no context and warns on every empty poll of
   * the stream (hundreds of lines a second).
   */
  public boolean takesResnapshots() {
    return snapshotMode != SnapshotMode.NO_DATA;
  }

  /** Whether the capture's first start loads the tables directly ({@link InitialLoad#DIRECT}). */
  public boolean loadsDirectly() {
    return snapshotMode != SnapshotMode.NO_DATA && initialLoad == InitialLoad.DIRECT;
  }

  /**
   * The topic the capture takes signals from ({@code ferry resnapshot}): one partition, keyed by the connector's
   * name.
   */
  public String signalTopic() {
    return kafka.topicPrefix() + ".connector-signals";
  }

  /** Debezium's name for the topic of its notifications (snapshot progress), read by the capture, never written. */
  String debeziumNotificationTopic() {
    return name + ".notifications";
  }

  /** Debezium's name for the transaction-metadata topic of this capture. */
  String debeziumTransactionTopic() {
    return name + ".transaction";
  }
}
