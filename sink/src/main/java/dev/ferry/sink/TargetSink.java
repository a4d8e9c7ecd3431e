package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.Stage;
import dev.ferry.schemas.TopicCreator;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the apply topic to the target database: batches of version-guarded upserts and deletes,
 * with the consumed offsets written in the same transaction. The target, not Kafka, is the record of
 * progress: on every partition assignment the sink seeks to the offsets stored in the target, so a
 * crash at any moment neither loses nor re-applies a batch. (Offsets are also committed to Kafka after
 * each batch, only so that the usual tools show the group's lag.)
 *
 * <p>Transient database errors are retried with backoff while the partitions are paused; a record
 * the target refuses permanently goes to the dead-letter topic with the database's error, and the rest
 * of its batch applies.
 */
public final class TargetSink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TargetSink.class);

  private final SinkConfig config;
  private final FerryTopics topics;
  private final OffsetStore offsets;
  private final Tombstones tombstones;
  private final ParkedRows parked;
  private final BatchWriter writer;
  private final AtomicLong parkedNow = new AtomicLong();
  private long lastParkedRetryNanos;
  /** Records read but not yet applied: per partition, the tail of a group still being read. */
  private final Map<TopicPartition, List<ConsumerRecord<String, ApplyRecord>>> unfinished = new HashMap<>();
  private long lastPurgeNanos;
  private final KafkaConsumer<String, ApplyRecord> consumer;
  private final KafkaProducer<String, DeadLetter> deadLetters;
  private final Thread thread;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong lastSourceTsMs = new AtomicLong();
  private final AtomicLong lag = new AtomicLong(-1);
  private volatile boolean running = true;
  /** Every database action runs here, one at a time, in order: the connection is never shared between threads. */
  private final ExecutorService database;
  /** The batch being written while the next one is read (consumer thread only); null when none. */
  private Future<Map<TopicPartition, Long>> inFlight;
  private final AtomicLong inFlightRecords = new AtomicLong();
  private volatile Throwable failure;
  private Connection connection;

  public TargetSink(final SinkConfig config) {
    this.config = config;
    this.topics = config.kafka().topics(new ConfluentRegistryClient(config.kafka().registryUrl()));
    this.offsets = new OffsetStore(config.offsetsTable(), config.groupId());
    this.tombstones = new Tombstones(config.tombstonesTable());
    this.parked = new ParkedRows(config.parkedTable());
    this.writer = new BatchWriter(config.versionColumn(), offsets, tombstones, config.copyThreshold());
    final Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    if (!config.instanceId().isEmpty()) {
      c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
    }
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.batchSize()));
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // the consumer waits while the target is down (the writer retries); heartbeats still show it alive
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(30 * 60 * 1000));
    c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
    // fetch enough to fill a batch in one round trip: large batches are what make COPY pay
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), topics.apply().valueSerde().deserializer());
    final Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    this.deadLetters = new KafkaProducer<>(p, new StringSerializer(), topics.deadLetter().valueSerde().serializer());
    this.thread = new Thread(this::run, "ferry-sink-" + config.groupId());
    this.database = Executors.newSingleThreadExecutor(r -> new Thread(r, "ferry-sink-db-" + config.groupId()));
  }

  /** Creates the offsets table and missing topics, then starts applying in the background. */
  public TargetSink start() {
    TopicCreator.ensure(config.kafka(), List.of(topics.apply().name(), topics.deadLetter().name()),
        config.kafka().partitions(), Set.of());
    thread.start();
    LOG.info("sink {} started: {} -> {}", config.groupId(), topics.apply().name(), config.jdbcUrl());
    return this;
  }

  /**
   * The consumer thread: reads and decodes the next batch while the writer applies the previous one.
   * At most one batch is in flight, so memory holds two batches at the most.
   */
  private void run() {
    try {
      onDatabase(() -> {
        offsets.create(connection());
        tombstones.create(connection());
        parked.create(connection());
        parkedNow.set(parked.count(connection()));
        connection().commit();
        return null;
      });
      consumer.subscribe(List.of(topics.apply().name()), new SeekToStoredOffsets());
      while (running) {
        final ConsumerRecords<String, ApplyRecord> records = consumer.poll(Duration.ofMillis(500));
        final Prepared next = records.isEmpty() ? null : completeGroups(records);
        if (next != null || inFlight != null && inFlight.isDone()) {
          finishInFlight();
        }
        if (next != null) {
          inFlightRecords.set(next.batch().size());
          inFlight = database.submit(() -> {
            applyBatch(next.batch(), next.next());
            inFlightRecords.set(0);
            maintenance();
            return next.next();
          });
        } else if (inFlight == null) {
          inFlight = database.submit(() -> {
            maintenance();
            return Map.<TopicPartition, Long>of();
          });
        }
        lag.set(currentLag());
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("sink {} stopped", config.groupId(), e);
    } finally {
      try {
        finishInFlight();
      } catch (RuntimeException e) {
        LOG.debug("last batch at stop: {}", e.toString());
      }
      consumer.close();
      database.submit(this::closeConnection);
      database.shutdown();
      try {
        database.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for the batch in flight, then tells Kafka its offsets (only for the usual lag tools). */
  private void finishInFlight() {
    if (inFlight == null) {
      return;
    }
    final Map<TopicPartition, Long> done;
    try {
      done = inFlight.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to the target", e);
    } finally {
      inFlight = null;
      inFlightRecords.set(0);
    }
    if (!done.isEmpty()) {
      final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      done.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
      consumer.commitAsync(commit, null);
    }
  }

  /** Runs {@code work} on the writer, with retries of transient errors, and waits for it. */
  private <T> T onDatabase(final TargetWork<T> work) {
    try {
      return database.submit(() -> withRetries(work)).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the target", e);
    }
  }

  /** Housekeeping between batches, on the writer: parked rows retried, old tombstones purged. */
  private void maintenance() {
    retryParkedNowAndThen();
    purgeTombstonesNowAndThen();
  }

  /** Records behind the end of the assigned partitions, or -1 when not known (no assignment yet). */
  private long currentLag() {
    final Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      return -1;
    }
    long total = 0;
    for (final TopicPartition tp : assigned) {
      final java.util.OptionalLong l = consumer.currentLag(tp);
      if (l.isEmpty()) {
        return -1;
      }
      total += l.getAsLong();
    }
    for (final List<ConsumerRecord<String, ApplyRecord>> tail : unfinished.values()) {
      total += tail.size();
    }
    return total;
  }

  /**
   * Applies, per partition, everything up to the end of the last complete group; the tail of a group
   * still being read waits for the next poll. A group larger than {@code sink.max-group-rows} is
   * applied in parts (with a warning) rather than held without bound.
   */
  /** A batch of complete groups and the offsets after it. */
  private record Prepared(List<ConsumerRecord<String, ApplyRecord>> batch, Map<TopicPartition, Long> next) {
  }

  private Prepared completeGroups(final ConsumerRecords<String, ApplyRecord> records) {
    final List<ConsumerRecord<String, ApplyRecord>> batch = new ArrayList<>(records.count());
    final Map<TopicPartition, Long> next = new HashMap<>();
    for (final TopicPartition tp : records.partitions()) {
      final List<ConsumerRecord<String, ApplyRecord>> list =
          new ArrayList<>(unfinished.getOrDefault(tp, List.of()));
      list.addAll(records.records(tp));
      int complete = list.size();
      while (complete > 0 && !endsGroup(list.get(complete - 1).value())) {
        complete--;
      }
      if (complete == 0 && list.size() >= config.maxGroupRows()) {
        LOG.warn("group {} on {} exceeds sink.max-group-rows ({}); applying it in more than one transaction",
            list.get(0).value().getGroup(), tp, config.maxGroupRows());
        complete = list.size();
      }
      batch.addAll(list.subList(0, complete));
      if (complete < list.size()) {
        unfinished.put(tp, new ArrayList<>(list.subList(complete, list.size())));
      } else {
        unfinished.remove(tp);
      }
      if (complete > 0) {
        next.put(tp, list.get(complete - 1).offset() + 1);
      }
    }
    return batch.isEmpty() ? null : new Prepared(batch, next);
  }

  private static boolean endsGroup(final ApplyRecord a) {
    return a.getGroup() == null || a.getGroupIndex() >= a.getGroupSize() - 1;
  }

  /**
   * Retries parked rows about once a second, oldest first, in one transaction: applied ones leave the
   * parking table; those refused past {@code sink.parked-timeout} go to the dead-letter topic.
   */
  private void retryParkedNowAndThen() {
    if (parkedNow.get() == 0 || System.nanoTime() - lastParkedRetryNanos < Duration.ofSeconds(1).toNanos()) {
      return;
    }
    lastParkedRetryNanos = System.nanoTime();
    withRetries(() -> {
      final List<ParkedRows.Parked> rows = parked.oldest(connection(), 1000, config.parkedTimeout());
      final List<ConsumerRecord<String, ApplyRecord>> records = new ArrayList<>(rows.size());
      final Map<ConsumerRecord<String, ApplyRecord>, ParkedRows.Parked> byRecord = new java.util.IdentityHashMap<>();
      for (final ParkedRows.Parked p : rows) {
        final ConsumerRecord<String, ApplyRecord> r = new ConsumerRecord<>(p.topic(), p.partition(), p.offset(),
            p.key(), topics.apply().valueSerde().deserializer().deserialize(p.topic(), p.record()));
        records.add(r);
        byRecord.put(r, p);
      }
      final List<BatchWriter.Failure> failures = writer.apply(connection(), records);
      final Map<ConsumerRecord<String, ApplyRecord>, BatchWriter.Failure> refusedNow =
          new java.util.IdentityHashMap<>();
      failures.forEach(f -> refusedNow.put(f.record(), f));
      final List<BatchWriter.Failure> expired = new ArrayList<>();
      for (final ConsumerRecord<String, ApplyRecord> r : records) {
        final ParkedRows.Parked p = byRecord.get(r);
        final BatchWriter.Failure f = refusedNow.get(r);
        if (f == null) {
          parked.remove(connection(), p.id());
        } else if (p.expired() || !f.waitsForReferencedRow()) {
          expired.add(f);
          parked.remove(connection(), p.id());
        } else {
          parked.attempted(connection(), p.id(), f.error().getMessage());
        }
      }
      if (!expired.isEmpty()) {
        sendDeadLetters(expired);
      }
      final long remaining = parked.count(connection());
      connection().commit();
      applied.addAndGet(records.size() - failures.size());
      failed.addAndGet(expired.size());
      // rows still parked were counted neither as applied nor as failed
      parkedNow.set(remaining);
      return null;
    });
  }

  private void purgeTombstonesNowAndThen() {
    if (System.nanoTime() - lastPurgeNanos < Duration.ofMinutes(10).toNanos()) {
      return;
    }
    lastPurgeNanos = System.nanoTime();
    final int purged = withRetries(() -> {
      final int n = tombstones.purge(connection(), config.tombstoneRetention());
      connection().commit();
      return n;
    });
    if (purged > 0) {
      LOG.info("purged {} tombstones older than {}", purged, config.tombstoneRetention());
    }
  }

  private void applyBatch(final List<ConsumerRecord<String, ApplyRecord>> batch,
      final Map<TopicPartition, Long> next) {
    final int[] parkedInBatch = new int[1];
    final List<BatchWriter.Failure> failures = withRetries(() -> {
      final List<BatchWriter.Failure> f = writer.write(connection(), batch, next);
      final List<BatchWriter.Failure> refused = new ArrayList<>();
      int newlyParked = 0;
      for (final BatchWriter.Failure x : f) {
        if (x.waitsForReferencedRow()) {
          final ConsumerRecord<String, ApplyRecord> r = x.record();
          parked.park(connection(), r.topic(), r.partition(), r.offset(), r.key(),
              topics.apply().valueSerde().serializer().serialize(r.topic(), r.value()), x.error().getMessage());
          newlyParked++;
        } else {
          refused.add(x);
        }
      }
      if (!refused.isEmpty()) {
        sendDeadLetters(refused);
      }
      connection().commit();
      parkedNow.addAndGet(newlyParked);
      parkedInBatch[0] = newlyParked;
      return refused;
    });
    applied.addAndGet(batch.size() - failures.size() - parkedInBatch[0]);
    failed.addAndGet(failures.size());
    lastSourceTsMs.set(batch.get(batch.size() - 1).value().getSourceTsMs());
  }

  private void sendDeadLetters(final List<BatchWriter.Failure> failures) {
    final List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (final BatchWriter.Failure f : failures) {
      final ConsumerRecord<String, ApplyRecord> r = f.record();
      final TargetError why = TargetError.of(f.error());
      final String rule = "sink." + (f.error().getSQLState() == null ? "error" : f.error().getSQLState());
      final DeadLetter letter = DeadLetters.of(Stage.WRITE, r.topic(), r.partition(), r.offset(),
          r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8),
          topics.apply().valueSerde().serializer().serialize(r.topic(), r.value()), r.value().getSourceTable(),
          dev.ferry.schemas.Columns.keyText(r.value().getKey()), null,
          List.of(DeadLetters.error(rule, why.field(), why.value(),
              "the target refused the row for " + r.value().getTable() + ": " + why.message(),
              f.waitsForReferencedRow() ? "the row it references never arrived within sink.parked-timeout; load it "
                  + "into the legacy database or fix the reference, then replay this dead letter"
                  : "fix the row in the source or the target constraint, then replay this dead letter")),
          null);
      LOG.warn("dead letter: {} key {}: {}", r.value().getTable(), letter.getSourceKey(), f.error().getMessage());
      sent.add(deadLetters.send(new ProducerRecord<>(topics.deadLetter().name(), r.key(), letter)));
    }
    for (final Future<RecordMetadata> s : sent) {
      try {
        s.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot write to the dead-letter topic", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while writing dead letters", e);
      }
    }
  }

  /** A unit of work against the target that may fail transiently. */
  @FunctionalInterface
  private interface TargetWork<T> {
    T run() throws SQLException;
  }

  private <T> T withRetries(final TargetWork<T> work) {
    long backoffMs = 100;
    int attempt = 0;
    while (true) {
      try {
        return work.run();
      } catch (SQLException e) {
        if (!DatabaseErrors.isTransient(e)) {
          throw new IllegalStateException("target database error that is not about a single record: "
              + e.getMessage(), e);
        }
        attempt++;
        LOG.warn("target database unavailable ({}), attempt {}; retrying in {} ms", e.getMessage(), attempt,
            backoffMs);
        closeConnection();
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the target", ie);
        }
        backoffMs = Math.min(backoffMs * 2, config.maxRetryBackoff().toMillis());
        if (!running) {
          throw new IllegalStateException("sink stopping while the target is unavailable");
        }
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      final Properties p = new Properties();
      p.put("user", config.user());
      p.put("password", config.password());
      p.put("reWriteBatchedInserts", "true");
      p.put("ApplicationName", "ferry-sink");
      connection = DriverManager.getConnection(config.jdbcUrl(), p);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing the target connection: {}", e.toString());
      }
      connection = null;
    }
  }

  /** On assignment, continue exactly after what the target has committed. */
  private final class SeekToStoredOffsets implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
      final Map<TopicPartition, Long> stored = onDatabase(() -> {
        final Map<TopicPartition, Long> o = offsets.read(connection(), partitions);
        connection().commit();
        return o;
      });
      for (final TopicPartition tp : partitions) {
        final Long next = stored.get(tp);
        if (next != null) {
          consumer.seek(tp, next);
        } else {
          consumer.seekToBeginning(List.of(tp));
        }
      }
      LOG.info("sink {} assigned {}; resuming from target offsets {}", config.groupId(), partitions, stored);
    }

    @Override
    public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
      // the batch in flight commits before the partitions go; unfinished group tails are dropped, the next
      // owner re-reads them from the offsets in the target
      finishInFlight();
      partitions.forEach(unfinished::remove);
    }
  }

  /**
   * Records of the apply topic not yet applied, as of the last poll; -1 before the sink knows (not yet
   * assigned). 0 means the sink has caught up with everything the processor committed.
   */
  public long lag() {
    final long read = lag.get();
    return read < 0 ? read : read + parkedNow.get() + inFlightRecords.get();
  }

  /** Rows applied so far. */
  public long applied() {
    return applied.get();
  }

  /** Rows parked, waiting for a row they reference, as of the last batch. */
  public long parked() {
    return parkedNow.get();
  }

  /** Rows dead-lettered by the target so far. */
  public long failed() {
    return failed.get();
  }

  /** Source time of the last applied change, epoch ms (0 before the first). */
  public long lastSourceTsMs() {
    return lastSourceTsMs.get();
  }

  /** The error that stopped the sink, or null while it runs or after a clean stop. */
  public Throwable failure() {
    return failure;
  }

  public boolean isRunning() {
    return thread.isAlive();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetters.close(Duration.ofSeconds(10));
  }
}
