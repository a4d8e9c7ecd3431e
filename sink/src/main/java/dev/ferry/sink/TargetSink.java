package dev.ferry.sink;

import dev.ferry.config.Secrets;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.TopicCreator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the apply topic to the target database: batches of version-guarded upserts and deletes,
 * with the consumed offsets written in the same transaction. The target, not Kafka, is the record of
 * progress: on every partition assignment the sink seeks to the offsets stored in the target, so a
 * crash at any moment neither loses nor re-applies a batch. (Offsets are also told to Kafka, at most once a second,
 * only so that the usual tools show the group's lag: {@link ApplyConsumer}.)
 *
 * <p>One consumer thread reads and decodes; {@code sink.writers} writers, each with its own connection,
 * apply batches, each with one batch queued behind the one it writes. {@link PartitionHolders} decides
 * which: each partition is applied by one writer at a time, in order, and one with nothing in flight goes
 * to the least loaded writer.
 *
 * <p>Transient database errors are retried with backoff while the partitions are paused; a record
 * the target refuses permanently goes to the dead-letter topic with the database's error, and the rest
 * of its batch applies, except the rest of its group when the group is under a relation ({@link WholeGroups}).
 * Parts: {@link ApplyConsumer} (the consumer: settings, paused partitions, lag), {@link PollSplit} (a poll's records
 * by writer), {@link CompleteGroups} (what a poll holds back), {@link SinkWriter} (a connection and its thread),
 * {@link BatchApply} (one batch, one transaction),
 * {@link Housekeeping} (parked rows, tombstones), {@link RetryingConnection} (retries).
 */
public final class TargetSink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TargetSink.class);

  private final SinkConfig config;
  private final TargetDialect dialect;
  private final FerryTopics topics;
  private final OffsetStore offsets;
  private final Tombstones tombstones;
  private final RowVersions rowVersions;
  /** Whether this sink's direction is live: read beside the group join, set on the consumer thread before any apply. */
  private volatile DirectionGate gate;
  /** The read of the live direction at start, beside the group join; {@link #gate} once done. Consumer thread only. */
  private CompletableFuture<DirectionGate> reading;
  private final ParkedRows parked;
  private final SnapshotSweeps sweeps;
  private final BatchApply batchApply;
  private final CompleteGroups groups;
  /** Partitions of the apply topic, read by the consumer thread at start: a snapshot's end comes through each. */
  private volatile int applyPartitions;
  private final AtomicLong parkedNow = new AtomicLong();
  private final ApplyConsumer consumer;
  private final SinkDeadLetters deadLetters;
  private final Backoff backoff;
  private final Housekeeping housekeeping;
  private final Thread thread;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong brokenTargetRetries = new AtomicLong();
  /** Records behind the end of its partitions as of the last poll; -1 before it has any. */
  private final AtomicLong lag = new AtomicLong(-1);
  private final HeldRecords held;
  private volatile boolean running = true;
  /**
   * The writers. Writer 0 also keeps house. While a writer has two batches, the partitions it holds are
   * paused, so the consumer keeps reading for the others instead of waiting (one poll usually holds
   * records of one partition only).
   */
  private final SinkWriter[] writers;
  /** Which writer applies each partition's next batch (consumer thread only). */
  private final PartitionHolders holders;
  /** Writers that finished a task: wakes the consumer thread when every writer was busy. */
  private final java.util.concurrent.BlockingQueue<SinkWriter> finished =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private volatile Throwable failure;
  private final SinkProgress progress = new SinkProgress(this);
  private final SinkRuns runs;
  private final DeletedBeforeApplied deletedBeforeApplied;

  public TargetSink(final SinkConfig config) {
    this.config = config;
    this.topics = config.kafka().topics(config.kafka().registry());
    this.dialect = TargetDialect.of(config.jdbcUrl());
    this.offsets = new OffsetStore(dialect, config.offsetsTable(), config.groupId());
    this.tombstones = new Tombstones(dialect, config.tombstonesTable());
    this.rowVersions = new RowVersions(dialect, config.rowVersionsTable());
    this.parked = new ParkedRows(dialect, config.parkedTable());
    final RunHistory history = config.history();
    this.runs = new SinkRuns(history, config.groupId());
    this.deletedBeforeApplied = new DeletedBeforeApplied(config.groupId(), runs);
    this.sweeps = new SnapshotSweeps(dialect, config.sweepsTable(), config.versionColumn(), config.snapshotDeletes(),
        history);
    this.consumer = new ApplyConsumer(config);
    this.held = new HeldRecords(config.groupId(), topics.apply().name(), config.control().direction());
    this.deadLetters = new SinkDeadLetters(config.kafka(), topics, runs);
    this.backoff = new Backoff(config.maxRetryBackoff(), () -> running);
    final WholeGroups wholeGroups = new WholeGroups(config.kafka().relations());
    final OwnWrites ownWrites = config.markWrites() ? tx -> dialect.markOwnWrites(tx, config.groupId())
        : OwnWrites.NONE;
    this.batchApply = new BatchApply(topics, parked, deadLetters, sweeps, wholeGroups, () -> applyPartitions, runs,
        ownWrites, applied, failed, parkedNow);
    this.groups = new CompleteGroups(topics, deadLetters, backoff, failed, config.maxGroupRows());
    this.housekeeping = new Housekeeping(config, topics, parked, tombstones, deadLetters, applied, failed, parkedNow,
        wholeGroups, ownWrites, runs);
    this.thread = new Thread(this::run, "ferry-sink-" + config.groupId());
    this.writers = new SinkWriter[config.writers()];
    this.holders = new PartitionHolders(writers.length);
    for (int i = 0; i < writers.length; i++) {
      writers[i] = new SinkWriter(i, config.groupId(), new BatchWriter(dialect, config.versionColumn(), offsets,
          tombstones, rowVersions, config.copyThreshold()),
          new RetryingConnection(config, dialect, backoff, brokenTargetRetries),
          holders, batchApply, i == 0 ? housekeeping : null, finished, host);
    }
  }

  /** Creates the offsets table and missing topics, then starts applying in the background. */
  public TargetSink start() {
    TopicCreator.ensure(config.kafka(), List.of(topics.apply().name(), topics.deadLetter().name()),
        config.kafka().partitions(), Set.of(), Set.of(topics.deadLetter().name()));
    thread.start();
    LOG.info("sink {} started: {} -> {}", config.groupId(), topics.apply().name(), Secrets.redactUrl(config.jdbcUrl()));
    runs.started(topics.apply().name());
    return this;
  }

  /**
   * The consumer thread: reads and decodes the next batch while the writers apply the previous ones.
   * Each writer has at most one batch in flight, so memory holds about two polls' worth of records.
   */
  private void run() {
    final SinkWriter house = writers[0];
    try {
      house.call(() -> {
        offsets.create(house.connection());
        tombstones.create(house.connection());
        rowVersions.create(house.connection());
        parked.create(house.connection());
        sweeps.create(house.connection());
        parkedNow.set(parked.count(house.connection()));
        house.connection().commit();
        return null;
      });
      applyPartitions = consumer.kafka().partitionsFor(topics.apply().name()).size();
      // the live direction is read while the consumer joins its group (each took seconds, one after the other)
      reading = DirectionGate.readBeside(config.kafka(), config.control().topic(), config.groupId(),
          config.control().direction());
      consumer.kafka().subscribe(List.of(topics.apply().name()), new ResumeFromTarget(config.groupId(), offsets,
          consumer.kafka(), writers, groups, config.kafka()));
      boolean holding = false;
      while (running) {
        // also while every writer waits for an unavailable target: that is when an operator looks
        progress.maybeLog();
        consumer.commitDue();
        if (gate == null) {
          if (!reading.isDone()) {
            // nothing is read before the direction is known; the polls join the group meanwhile
            consumer.pollReadingNothing(deletedBeforeApplied);
            holding = true;
            continue;
          }
          gate = DirectionGate.of(reading);
        }
        gate.answer(gate.open(), held.waiting());
        if (!gate.open()) {
          hold();
          holding = true;
          continue;
        } else if (holding) {
          holding = false;
          held.applying();
          resumeWritable();
        }
        boolean anyAccepts = false;
        for (final SinkWriter w : writers) {
          w.finishDone();
          anyAccepts |= w.accepts();
        }
        if (!anyAccepts) {
          // every writer has a batch queued behind the one it writes, and its partitions paused
          finished.poll(500, TimeUnit.MILLISECONDS);
          continue;
        }
        final ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200), deletedBeforeApplied);
        final Map<SinkWriter, SinkWriter.Prepared> next = records.isEmpty() ? Map.of()
            : PollSplit.byWriter(records, writers, holders, groups);
        for (final SinkWriter w : writers) {
          final SinkWriter.Prepared mine = next.get(w);
          if (mine != null) {
            if (!w.accepts()) {
              // records fetched before its partitions were paused (housekeeping filled its queue)
              w.finishOldest();
            }
            w.submit(mine);
          } else if (w == house && w.idle()) {
            w.submit(null);
          }
        }
        lag.set(currentLag());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("sink {} stopped", config.groupId(), e);
    } finally {
      for (final SinkWriter w : writers) {
        try {
          w.finishAll();
        } catch (RuntimeException e) {
          LOG.debug("last batch at stop: {}", e.toString());
        }
      }
      consumer.close();
      if (gate != null) {
        gate.close();
      } else if (reading != null) {
        // stopped before the direction was read: its follower is closed once it has one
        reading.thenAccept(DirectionGate::close);
      }
      for (final SinkWriter w : writers) {
        w.shutdown();
      }
    }
  }

  /** Records behind the end of the assigned partitions and held back in incomplete groups; -1 before it knows. */
  private long currentLag() {
    final long behind = consumer.lag();
    return behind < 0 ? behind : behind + groups.waiting();
  }

  /**
   * One round while this sink's direction is not live: batches in flight finish, nothing new is read (every
   * partition paused; the poll keeps the group membership), and records a new assignment returned in that poll are
   * read again once the direction is live.
   */
  private void hold() {
    for (final SinkWriter w : writers) {
      w.finishDone();
    }
    consumer.pollReadingNothing(deletedBeforeApplied);
    lag.set(currentLag());
    held.look(consumer, gate.state());
  }

  /** What the writers ask of the consumer, on the consumer thread. */
  private final SinkWriter.Host host = new SinkWriter.Host() {
    @Override
    public void pause(final int index) {
      consumer.pause(holders.heldBy(index));
    }

    @Override
    public void resumeWritable() {
      TargetSink.this.resumeWritable();
    }

    @Override
    public void done(final Map<TopicPartition, Long> offsets) {
      consumer.commitAsync(offsets);
    }
  };

  /** Resumes every paused partition except those held by a writer that takes no further batch now. */
  private void resumeWritable() {
    final List<TopicPartition> held = new ArrayList<>();
    for (final SinkWriter w : writers) {
      if (!w.accepts()) {
        held.addAll(holders.heldBy(w.index));
      }
    }
    consumer.resumeAllBut(held);
  }

  /**
   * Records (about: Kafka's transaction markers count too) waiting on the apply topic while this sink holds, as of
   * its last look ({@link HeldRecords}, every 10 s); 0 while it applies.
   */
  public long heldRecords() {
    return held.waiting();
  }

  /**
   * Records of the apply topic not yet applied, as of the last poll; -1 before the sink knows (not yet
   * assigned). 0 means the sink has caught up with everything the processor committed.
   */
  public long lag() {
    final long read = lag.get();
    long writing = 0;
    for (final SinkWriter w : writers) {
      writing += w.inFlightRecords.get();
    }
    return read < 0 ? read : read + parkedNow.get() + writing;
  }

  /** Its consumer group. */
  public String groupId() {
    return config.groupId();
  }

  /** Whether its direction of the sync is live, so that it applies; false before it knows. */
  public boolean live() {
    final DirectionGate g = gate;
    return g != null && g.open();
  }

  /** Its Kafka consumer, for its client metrics ({@link SinkMeters}); used on the consumer thread only otherwise. */
  org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer() {
    return consumer.kafka();
  }

  /**
   * Whether it can do its work now: running, its target reachable (no writer waiting out a retry), its direction
   * known; and why not.
   */
  public String unreadyBecause() {
    if (failure != null) {
      return "stopped: " + failure;
    }
    if (!isRunning()) {
      return "not running";
    }
    final String down = backoff.unavailable();
    if (down != null) {
      return down;
    }
    return gate == null ? "starting: the live direction is not read yet" : null;
  }

  /** What this run did per target table: rows applied and dead letters per rule, counted and exported. */
  SinkRuns runs() {
    return runs;
  }

  /** Rows applied so far. */
  public long applied() {
    return applied.get();
  }

  /** Rows parked, waiting for a row they reference, as of the last batch. */
  public long parked() {
    return parkedNow.get();
  }

  /**
   * Batches the target refused as a whole, each then applied in halves: to isolate the refused rows (expected where
   * rows are bad; on good rows it means a fast path fails, and the sink runs slowly), or in smaller transactions,
   * refused again and again for their size ({@link BatchSplit}).
   */
  public long splitBatches() {
    long n = batchApply.splitForSize();
    for (final SinkWriter w : writers) {
      n += w.batches.splitBatches();
    }
    return n;
  }

  /** Records dead-lettered so far: refused by the target, or unreadable. */
  public long failed() {
    return failed.get();
  }

  /** Retries because the target did not fit what the sink writes (see {@link DatabaseErrors#isBrokenDeployment}). */
  public long brokenTargetRetries() {
    return brokenTargetRetries.get();
  }

  /** Source time of the last applied change, epoch ms (0 before the first). */
  public long lastSourceTsMs() {
    return batchApply.lastSourceTsMs();
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
    consumer.kafka().wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetters.close();
    runs.stopped(this, failure);
  }
}
