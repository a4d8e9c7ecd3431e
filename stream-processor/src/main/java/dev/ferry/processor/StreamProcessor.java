package dev.ferry.processor;

import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.LostRecords;
import dev.ferry.schemas.TopicCreator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link ProcessorTopology} as a Kafka Streams application. Scale out by starting more
 * instances with the same application id: Kafka Streams spreads the partitions among them.
 */
public final class StreamProcessor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamProcessor.class);
  /**
   * Bytes the processor's consumer fetches per partition at a time, unless
   * {@code kafka.client.max.partition.fetch.bytes} says otherwise: a quarter of Kafka's default, so that a task reads
   * its partitions in about the order they were written. Why, in {@link #streamsProperties}.
   */
  static final int FETCH_BYTES_PER_PARTITION = 256 * 1024;

  private final ProcessorConfig config;
  private final FerryTopics topics;
  private final MappingCounts counts;
  private final DeletedBeforeProcessed deletedBeforeProcessed;
  private volatile java.util.function.Consumer<LostRecords> lostListener = gap -> { };
  private KafkaStreams streams;
  private HeldReport heldReport;

  public StreamProcessor(final ProcessorConfig config) {
    this.config = config;
    this.topics = config.kafka().topics(config.kafka().registry());
    this.counts = new MappingCounts(config.applicationId());
    this.deletedBeforeProcessed = new DeletedBeforeProcessed(config.applicationId(), tableOf(),
        gap -> lostListener.accept(gap));
  }

  /**
   * Tells {@code listener} of every gap of records Kafka deleted before this processor read them, found at its start
   * or while it runs ({@link DeletedBeforeProcessed}); call before {@link #start()}.
   */
  public StreamProcessor onRecordsLost(final java.util.function.Consumer<LostRecords> listener) {
    this.lostListener = listener;
    return this;
  }

  private Map<String, String> tableOf() {
    final Map<String, String> tableOf = new HashMap<>();
    config.mapping().sourceTables().forEach(t -> tableOf.put(topics.cdc(t).name(), t));
    return tableOf;
  }

  /** Creates missing topics and starts processing in the background. */
  public StreamProcessor start() {
    // first: a transaction timeout the broker refuses stops the start here, naming the setting
    final Properties properties = streamsProperties(TransactionTimeout.brokerLimit(config.kafka()));
    final List<String> names = new ArrayList<>();
    config.mapping().sourceTables().forEach(t -> names.add(topics.cdc(t).name()));
    names.add(topics.apply().name());
    names.add(topics.deadLetter().name());
    TopicCreator.ensure(config.kafka(), names, config.kafka().partitions(), Set.of(),
        Set.of(topics.deadLetter().name()));
    TopicCreator.requireCoPartitioned(config.kafka(), names.subList(0, names.size() - 1));
    deletedBeforeProcessed.check(config.kafka());
    streams = new KafkaStreams(ProcessorTopology.build(config, topics, counts), properties,
        new ProcessorClients(deletedBeforeProcessed::whileRunning));
    // an exception nothing expected (a bad record is a dead letter, not an exception) stops the processor: the
    // service exits non-zero, so that a supervisor restarts it and an operator sees it. Replacing the thread
    // instead retried the same record forever, quietly, with the pipeline stalled behind it
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream processor failed; stopping it (a restart resumes from the last commit)", e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    heldReport = new HeldReport(this, config, instanceId(config)).start();
    LOG.info("processor {} started: {} tables -> {}", config.applicationId(), config.mapping().tables().size(),
        topics.apply().name());
    return this;
  }

  /** Kafka Streams' properties, the producers' transactions within the broker's limit ({@link TransactionTimeout}). */
  Properties streamsProperties(final java.util.OptionalLong brokerTransactionLimit) {
    // top-level client properties reach every client Kafka Streams builds (consumers, producers, admin)
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.guarantee().streamsValue());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(config.commitInterval().toMillis()));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(config.threads()));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(config.kafka().replicationFactor()));
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // the connector writes in Kafka transactions: a commit marker is only read with the events before it
    p.put(StreamsConfig.consumerPrefix("isolation.level"), "read_committed");
    // the processor reads every captured table's topic by pattern (FerryTopics.cdcTopics); a topic the connector
    // creates after the processor started is seen at the consumer's next metadata refresh: every 10 s, not Kafka's
    // 5 minutes, during which transactions over that table would wait for its commit markers
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.METADATA_MAX_AGE_CONFIG), "10000");
    // a processor that died gives its tasks up after 10 s, not Kafka's default 45 s (a clean stop leaves at once)
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), "10000");
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "3000");
    // static membership: a processor restarted after a crash takes its tasks back at once, instead of waiting
    // for the group to time the dead member out (10 s); Kafka Streams adds the thread's number
    p.put(StreamsConfig.mainConsumerPrefix("group.instance.id"), instanceId(config));
    // a source transaction is released within one Kafka transaction of the processor's (TransactionTimeout)
    TransactionTimeout.apply(p, brokerTransactionLimit);
    // a change with a large value: its apply record, dead letter and state changelog must fit (FerryTopics.MAX_MESSAGE_BYTES)
    p.put(StreamsConfig.producerPrefix("max.request.size"), String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    p.put(StreamsConfig.topicPrefix("max.message.bytes"), String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    // A task takes the record with the oldest timestamp among its partitions, but does not wait for a partition
    // whose lag, as last fetched, is 0; and Kafka's consumer hands out what it fetched one partition at a time,
    // updating a partition's lag only when its turn comes. With Kafka's 1 MB per partition per fetch (thousands of
    // rows each), an initial sync ran thousands of orders ahead of the customers they reference (the sink parked
    // them until those came) and lines ahead of their orders, one task after another. 256 kB (about 2,000 rows)
    // keeps every task near the order the connector captured in (reference tables first, headers before their
    // lines); 64 kB kept it closer, but its fetches cost the broker and the processor 10% more CPU in a million-row
    // migration (docs/benchmarks.md, session 21). A caught-up stream fetches less than that anyway, and a record
    // larger than this is still fetched whole (Kafka's rule). A size the user set, for every client or for Kafka
    // Streams' consumers, is kept.
    final String fetch = ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG;
    if (!p.containsKey(fetch) && !p.containsKey(StreamsConfig.consumerPrefix(fetch))
        && !p.containsKey(StreamsConfig.mainConsumerPrefix(fetch))) {
      p.put(StreamsConfig.mainConsumerPrefix(fetch), String.valueOf(FETCH_BYTES_PER_PARTITION));
    }
    return p;
  }

  /**
   * This instance's name in the consumer group: the application id and a random id kept in the state directory.
   * The state directory is one instance's own (Kafka Streams locks it), so the name is unique per instance and
   * survives a restart, which is what static membership asks for.
   */
  static String instanceId(final ProcessorConfig config) {
    final Path file = config.stateDir().resolve("ferry-instance-id");
    try {
      if (Files.isRegularFile(file)) {
        final String kept = Files.readString(file).trim();
        if (!kept.isEmpty()) {
          return kept;
        }
      }
      Files.createDirectories(config.stateDir());
      final String id = config.applicationId() + "-" + UUID.randomUUID();
      Files.writeString(file, id + "\n");
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep this processor's instance id in " + file
          + " (processor.state-dir must be writable)", e);
    }
  }

  /** What the mapping did with the rows this instance processed, per legacy table and rule. */
  /** Those records counted per topic, as meters. */
  public io.micrometer.core.instrument.binder.MeterBinder lostCounts() {
    return deletedBeforeProcessed.counts();
  }

  public MappingCounts counts() {
    return counts;
  }

  /** The running Kafka Streams instance, for its metrics; empty before the start. */
  java.util.Optional<KafkaStreams> streams() {
    return java.util.Optional.ofNullable(streams);
  }

  /** Why it cannot do its work now, or null when it can: Kafka Streams running (not rebalancing, not failed). */
  public String unreadyBecause() {
    final KafkaStreams.State s = state();
    return s == KafkaStreams.State.RUNNING ? null : "Kafka Streams is " + s.name().toLowerCase(java.util.Locale.ROOT)
        .replace('_', ' ');
  }

  public KafkaStreams.State state() {
    return streams == null ? KafkaStreams.State.CREATED : streams.state();
  }

  /**
   * Echoes dropped so far by this instance's tasks: transactions Ferry's own sink wrote, captured back
   * ({@link dev.ferry.processor.ordering.EchoMetrics}).
   */
  public long echoTransactionsDropped() {
    return metric(dev.ferry.processor.ordering.EchoMetrics.TRANSACTIONS);
  }

  /**
   * What this instance holds back now: source transactions waiting for their end
   * ({@link dev.ferry.processor.ordering.HeldMetrics#TRANSACTIONS}) or details waiting for their header
   * ({@link dev.ferry.processor.ordering.HeldMetrics#DETAILS}).
   */
  public long held(final String what) {
    return metric(what);
  }

  /** The sum over this instance's tasks of Ferry's processor metric {@code name}; 0 before the start. */
  long metric(final String name) {
    if (streams == null) {
      return 0;
    }
    double total = 0;
    for (final var e : streams.metrics().entrySet()) {
      if (e.getKey().group().equals(dev.ferry.processor.ordering.EchoMetrics.GROUP) && e.getKey().name().equals(name)
          && e.getValue().metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
        total += n.doubleValue();
      }
    }
    return (long) total;
  }

  /**
   * Stops, leaving the consumer group: Kafka Streams otherwise stays a member until its session times out
   * (45 s), and a restarted processor waited that long for its partitions.
   */
  @Override
  public void close() {
    if (heldReport != null) {
      heldReport.close();
    }
    if (streams != null) {
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(30)));
    }
  }
}
