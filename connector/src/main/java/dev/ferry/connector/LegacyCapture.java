package dev.ferry.connector;

import dev.ferry.config.ConfigException;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.TopicCreator;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the configured legacy tables into Kafka: a Debezium embedded PostgreSQL engine (snapshot,
 * then streaming) feeding a {@link ChangePublisher}. {@link #start()} returns at once; the engine runs
 * on its own thread until {@link #close()}.
 */
public final class LegacyCapture implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyCapture.class);

  private final ConnectorConfig config;
  private final FerryTopics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ChangePublisher publisher;
  private final TruncatedTables truncated;
  private final ExecutorService executor;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final SlotWatch slot;
  private final CaptureFailure failure;
  /** Debezium's engine, built again when the legacy server goes away while it starts; null before {@link #start()}. */
  private volatile CaptureEngine engine;
  /** The legacy transactions the creation of the slot waits for before the engine starts ({@link SlotCreation}). */
  private volatile List<String> slotWaitsFor = List.of();
  /** Loads the tables on the first start when {@code connector.initial-load} is direct; null otherwise. */
  private DirectLoadRun directLoad;
  /** The captured tables, referenced ones first ({@link SnapshotOrder}): the order a direct load reads them in. */
  private List<String> tableOrder = List.of();

  public LegacyCapture(final ConnectorConfig config) {
    this.config = config;
    this.topics = config.kafka().topics(config.kafka().registry());
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, config.name() + "-capture");
    // one Kafka transaction per Debezium batch (ChangePublisher): a capture of the same name that still runs
    // somewhere is fenced off, and readers never see a commit marker without the events before it
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.kafka().topicPrefix() + "." + config.name() + ".capture");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.truncated = new TruncatedTables(config);
    this.publisher = new ChangePublisher(producer, topics, config.debeziumTransactionTopic(),
        config.debeziumNotificationTopic(), new dev.ferry.schemas.HeaderKeys(config.kafka().relations()),
        config.tables().stream().map(t -> topics.cdc(t).name()).toList(), truncated::onTruncate,
        new AppendOnlyTables(config.appendOnly()));
    this.slot = new SlotWatch(config, lost -> finished.completeExceptionally(new IllegalStateException(
        lost.refusal(config.slotName(), config.server()))));
    this.failure = new CaptureFailure(config, slot);
    this.executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "ferry-capture-" + config.name()));
  }

  /**
   * Checks the captured tables and the slot ({@link CapturedTables}), creates missing topics, then starts the engine
   * in the background.
   *
   * @throws ConfigException when a table has no replica identity, or a detail table's deletes would lack header
   *     columns and {@code connector.replica-identity} is {@code check}; nothing is started
   * @throws IllegalStateException when {@code connector.offset-file} exists but holds no readable position, or its
   *     directory cannot be written ({@link SourcePositionFile#check}); nothing is started
   */
  public LegacyCapture start() {
    if (config.loadsDirectly() && directLoad == null) {
      throw new IllegalStateException("connector.initial-load is direct, but the capture was given no loader");
    }
    final boolean createsSlot;
    if (config.offsetStorage() == OffsetStorage.FILE) {
      SourcePositionFile.check(config.offsetFile());
    }
    final CapturedTables captured = CapturedTables.read(config);
    this.tableOrder = captured.order();
    CapturedTables.checkSlot(config);
    final List<String> names = new ArrayList<>();
    config.tables().forEach(t -> names.add(topics.cdc(t).name()));
    names.add(topics.transactions().name());
    names.add(topics.deadLetter().name());
    names.add(config.signalTopic());
    TopicCreator.ensure(config.kafka(), names, config.kafka().partitions(),
        Set.of(topics.transactions().name(), config.signalTopic()), Set.of(topics.deadLetter().name()));
    producer.initTransactions();
    final java.util.Properties debezium = config.debeziumProperties(captured.order(),
        captured.legacyMajorVersion(), captured.keyedByIndex());
    engine = new CaptureEngine(config, debezium, publisher, failure);
    try {
      final long confirmed = slot.confirmedPosition();
      if (confirmed > 0 && config.offsetStorage() == OffsetStorage.FILE && !Files.exists(config.offsetFile())
          && directLoad == null) {
        // the slot says this capture ran before: its position was lost (a new disk, a container without a volume)
        LOG.warn("capture {}: no source position in {}, but replication slot {} exists, so this capture ran before "
            + "and its position was lost; it starts over as connector.snapshot-mode {} says (initial: a new snapshot "
            + "of every table), then streams from the slot", config.name(), config.offsetFile().toAbsolutePath(),
            config.slotName(), config.snapshotMode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      }
      publisher.streamAtLeast(confirmed);
      createsSlot = confirmed == 0;
      if (directLoad != null) {
        directLoad.prepare(debezium, confirmed);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read replication slot " + config.slotName() + " on " + config.jdbcUrl()
          + ": " + e.getMessage(), e);
    }
    executor.execute(() -> run(createsSlot, debezium));
    slot.start();
    LOG.info("capture {} started: {}:{}/{} tables {} -> topics {}.cdc.*; source position kept in {}", config.name(),
        config.host(), config.port(), config.database(), config.tables(), topics.prefix(),
        config.offsetStorage() == OffsetStorage.FILE ? "file " + config.offsetFile().toAbsolutePath()
            : "topic " + config.offsetTopic());
    return this;
  }

  /**
   * The capture's first start loads the tables with {@code load} ({@code connector.initial-load: direct}) before
   * Debezium streams; call before {@link #start()}.
   */
  public LegacyCapture loadingWith(final DirectLoad load) {
    this.directLoad = new DirectLoadRun(config, load);
    return this;
  }

  /** True while the first start's direct load runs (Debezium streams once it has finished). */
  public boolean loading() {
    return directLoad != null && directLoad.running();
  }

  /** Rows the direct load has read so far, per legacy table; empty without one. */
  public Map<String, Long> loadedPerTable() {
    return directLoad == null ? Map.of() : directLoad.load().loadedPerTable();
  }

  /** The direct load, which has meters of its own; null without one. */
  DirectLoad directLoad() {
    return directLoad == null ? null : directLoad.load();
  }

  /**
   * Runs the engine; before the first, once no legacy transaction would hold up its slot ({@link SlotCreation}), and
   * after the direct load where there is one ({@link DirectLoadRun}); at a later start, from the stored position as
   * {@link ResumePositions} stores it ({@link StoredPosition#dropLastProcessed}).
   */
  private void run(final boolean createsSlot, final java.util.Properties debezium) {
    try {
      if (createsSlot && !SlotCreation.await(config, engine::closing, open -> slotWaitsFor = List.copyOf(open))) {
        finished.complete(null);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished.complete(null);
      return;
    }
    if (createsSlot && config.loadsDirectly() && (closed() || !directLoad.run(tableOrder, finished))) {
      return;
    }
    if (!createsSlot) {
      try {
        if (StoredPosition.dropLastProcessed(config.offsetStorage(), debezium)) {
          LOG.info("capture {}: stored position rewritten without Debezium's last processed log position, so that "
              + "PostgreSQL sends every transaction that commits after it, whole", config.name());
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.warn("capture {}: cannot look at its stored position before streaming ({}); Debezium resumes from it as "
            + "stored", config.name(), e.toString());
      }
    }
    engine.run(finished);
  }

  /** True, with the capture finished, once {@link #close()} has begun. */
  private boolean closed() {
    final boolean closing = engine.closing();
    if (closing) {
      finished.complete(null);
    }
    return closing;
  }

  /**
   * The legacy transactions the capture waits for before it starts, since the creation of its replication slot
   * would wait for them ({@link SlotCreation}), each described; empty when it waits for none.
   */
  public List<String> slotWaitsFor() {
    return slotWaitsFor;
  }

  /**
   * Why the legacy database cannot be reached, and since when: while the capture waits for it to build a new engine
   * ({@link CaptureEngine}), or as its last look found it (once a minute; Debezium reconnects by itself meanwhile);
   * null while it can be.
   */
  public String legacyUnreachable() {
    final CaptureEngine e = engine;
    final String waiting = e == null ? null : e.waiting();
    return waiting != null ? waiting : slot.unreachable();
  }

  /**
   * Debezium engines built again since the capture started because the legacy server went away while one started
   * ({@link CaptureEngine}).
   */
  public long engineRestarts() {
    final CaptureEngine e = engine;
    return e == null ? 0 : e.restarts();
  }

  /** Completes when the engine stops: normally after {@link #close()}, exceptionally on failure. */
  public CompletableFuture<Void> finished() {
    return finished;
  }

  /**
   * True once Debezium streams changes and Kafka has taken the initial snapshot's rows (or Debezium said there
   * were none to take). Streaming is read from Debezium's own metrics, the snapshot's end from its notification,
   * which comes behind the snapshot's rows in the engine's queue: Debezium reports streaming as connected as
   * soon as its snapshot is read, while a busy machine may still hold the rows in that queue. False before the
   * engine has started, so that "nothing published yet" is never taken for "drained".
   */
  public boolean streaming() {
    if (!publisher.initialSnapshotPublished()) {
      return false;
    }
    try {
      final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      for (final ObjectName n : server.queryNames(new ObjectName(
          "debezium.postgres:type=connector-metrics,context=streaming,*"), null)) {
        if (config.name().equals(n.getKeyProperty("server")) && Boolean.TRUE.equals(server.getAttribute(n, "Connected"))) {
          return true;
        }
      }
      return false;
    } catch (JMException e) {
      LOG.debug("cannot read Debezium's streaming metrics: {}", e.toString());
      return false;
    }
  }

  /**
   * WAL bytes the replication slot keeps on the legacy server beyond the position this capture confirmed; -1
   * before the slot exists.
   */
  public long retainedWalBytes() throws SQLException {
    return slot.retainedBytes();
  }

  /**
   * WAL the replication slot may still keep before the legacy server invalidates it ({@code
   * max_slot_wal_keep_size}), as of the last minute's look; -1 without such a limit.
   */
  public long safeWalBytes() {
    return slot.safeWalBytes();
  }

  /** Changes Kafka has taken so far, per legacy table ({@code schema.table}). */
  public java.util.Map<String, Long> publishedPerTable() {
    return publisher.publishedPerTable();
  }

  /** How far behind the source the stream was when Kafka took the last batch, ms; -1 before the first. */
  public long behindSourceMs() {
    return publisher.behindSourceMs();
  }

  /** The legacy tables it captures, {@code schema.table}. */
  public java.util.List<String> tables() {
    return config.tables();
  }

  /** Its name ({@code connector.name}). */
  public String name() {
    return config.name();
  }

  /** Row changes Kafka has acknowledged so far (snapshot rows included; no marks). */
  public long published() {
    return publisher.published();
  }

  /** Stops the engine (flushing its acknowledged position) and the producer. Idempotent. */
  @Override
  public void close() {
    slot.close();
    truncated.close();
    if (engine != null) {
      engine.close();
    }
    if (loading()) {
      executor.shutdownNow(); // a direct load stops at its next row when interrupted, and loads again at next start
    } else {
      executor.shutdown();
    }
    try {
      if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("capture {} did not stop within 60 s", config.name());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
