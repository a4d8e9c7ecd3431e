package dev.ferry.sink;

import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.PackedApplyRecord;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's upkeep of its own tables in the target, run by its first writer between batches: parked rows (rows
 * waiting for another row's change, {@link ParkedRows}) retried about once a second, and tombstones older than
 * {@code sink.tombstone-retention} purged every ten minutes.
 */
final class Housekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);
  /** Parked rows retried at once, those tried least often first ({@link ParkedRows#next}). */
  private static final int RETRY_WINDOW = 1000;

  private final OwnWrites ownWrites;
  private final SinkConfig config;
  private final FerryTopics topics;
  private final ParkedRows parked;
  private final Tombstones tombstones;
  private final SinkDeadLetters deadLetters;
  private final AtomicLong applied;
  private final AtomicLong failed;
  private final AtomicLong parkedNow;
  private final WholeGroups wholeGroups;
  private final SinkRuns runs;
  private long lastParkedRetryNanos;
  /** Whether the last retry of parked rows applied most of them: then the next one comes without waiting. */
  private boolean lastRetryApplied;
  private long lastPurgeNanos;

  /** {@code applied}, {@code failed} and {@code parkedNow} are the sink's counters, which its upkeep moves too. */
  Housekeeping(final SinkConfig config, final FerryTopics topics, final ParkedRows parked, final Tombstones tombstones,
      final SinkDeadLetters deadLetters, final AtomicLong applied, final AtomicLong failed,
      final AtomicLong parkedNow, final WholeGroups wholeGroups, final OwnWrites ownWrites, final SinkRuns runs) {
    this.ownWrites = ownWrites;
    this.runs = runs;
    this.config = config;
    this.topics = topics;
    this.parked = parked;
    this.tombstones = tombstones;
    this.deadLetters = deadLetters;
    this.applied = applied;
    this.failed = failed;
    this.parkedNow = parkedNow;
    this.wholeGroups = wholeGroups;
  }

  /** Does what is due, on {@code target} through {@code batches}. */
  void runDue(final RetryingConnection target, final BatchWriter batches) {
    retryParkedNowAndThen(target, batches);
    purgeTombstonesNowAndThen(target);
  }

  /**
   * Retries parked rows, those tried least often first, {@value #RETRY_WINDOW} at a time in one transaction (a group
   * held whole that is larger comes whole, {@link WholeGroups#largerThan}): applied
   * ones leave the parking table; those refused past {@code sink.parked-timeout} go to the dead-letter topic. About
   * once a second while they still wait; right after a retry that applied most of its rows (the rows they waited for
   * have come), so that an initial sync that parked tens of thousands is not held to a thousand a second, while rows
   * that wait for good are not read again between every two batches.
   */
  private void retryParkedNowAndThen(final RetryingConnection target, final BatchWriter batches) {
    if (parkedNow.get() == 0 || !lastRetryApplied
        && System.nanoTime() - lastParkedRetryNanos < Duration.ofSeconds(1).toNanos()) {
      return;
    }
    lastParkedRetryNanos = System.nanoTime();
    target.withRetries(() -> {
      final Connection connection = target.connection();
      final List<ApplyTopicRecord> records = new ArrayList<>();
      final Map<ApplyTopicRecord, ParkedRows.Parked> byRecord = new IdentityHashMap<>();
      final Set<Long> read = new HashSet<>();
      readParked(parked.next(connection, RETRY_WINDOW, config.parkedTimeout(), config.uniqueTimeout()), read, records,
          byRecord);
      // a group larger than the window comes whole: the rest of it is read by its key, which its rows share
      for (final ApplyTopicRecord r : wholeGroups.largerThan(List.copyOf(records), RETRY_WINDOW)) {
        readParked(parked.withKey(connection, r.topic(), r.partition(), r.key(), config.parkedTimeout(),
            config.uniqueTimeout()), read, records, byRecord);
      }
      // a group held whole is retried only with all of it, and applies together or waits together
      final List<ApplyTopicRecord> tried = WholeGroups.minus(records, wholeGroups.incomplete(records, RETRY_WINDOW));
      final WholeGroups.Written written = wholeGroups.writeWhole(connection, tried,
          part -> batches.retry(connection, part));
      final List<BatchWriter.Failure> failures = written.failures();
      final List<WholeGroups.Torn> torn = written.torn();
      final Map<ApplyTopicRecord, BatchWriter.Failure> refusedNow = new IdentityHashMap<>();
      failures.forEach(f -> refusedNow.put(f.record(), f));
      final List<BatchWriter.Failure> expired = new ArrayList<>();
      final Map<String, Long> appliedPerTable = new java.util.HashMap<>();
      final List<Long> gone = new ArrayList<>();
      final Map<Long, String> stillWaiting = new java.util.LinkedHashMap<>();
      for (final ApplyTopicRecord r : WholeGroups.without(tried, torn)) {
        final ParkedRows.Parked p = byRecord.get(r);
        final BatchWriter.Failure f = refusedNow.get(r);
        if (f == null) {
          gone.add(p.id());
          appliedPerTable.merge(r.packed().table(), 1L, Long::sum);
        } else if (p.expiredFor(f.waitsForUniqueValue()) || !f.waits()) {
          expired.add(f);
          gone.add(p.id());
        } else {
          stillWaiting.put(p.id(), f.error().getMessage());
        }
      }
      final List<WholeGroups.Torn> expiredWhole = new ArrayList<>();
      for (final WholeGroups.Torn t : torn) {
        final boolean unique = t.refused().stream().anyMatch(BatchWriter.Failure::waitsForUniqueValue);
        final boolean expires = !t.waitsOnly()
            || t.members().stream().anyMatch(m -> byRecord.get(m).expiredFor(unique));
        if (expires) {
          expiredWhole.add(t);
        }
        for (final ApplyTopicRecord m : t.members()) {
          if (expires) {
            gone.add(byRecord.get(m).id());
          } else {
            stillWaiting.put(byRecord.get(m).id(), t.refused().get(0).error().getMessage());
          }
        }
      }
      parked.remove(connection, gone);
      parked.attempted(connection, stillWaiting);
      if (!expired.isEmpty()) {
        deadLetters.refused(expired);
      }
      if (!expiredWhole.isEmpty()) {
        deadLetters.refusedWhole(expiredWhole);
      }
      final int lettered = expired.size() + expiredWhole.stream().mapToInt(t -> t.members().size()).sum();
      final long remaining = parked.count(connection);
      ownWrites.mark(connection);
      connection.commit();
      final int appliedNow = tried.size() - failures.size() - torn.stream().mapToInt(t -> t.members().size()).sum();
      applied.addAndGet(appliedNow);
      lastRetryApplied = appliedNow * 2 >= tried.size() && appliedNow > 0;
      appliedPerTable.forEach(runs::applied);
      failed.addAndGet(lettered);
      // rows still parked were counted neither as applied nor as failed
      parkedNow.set(remaining);
      return null;
    });
  }

  /** Adds the parked {@code rows} not {@code read} yet to {@code records}, each mapped to its row. */
  private void readParked(final List<ParkedRows.Parked> rows, final Set<Long> read,
      final List<ApplyTopicRecord> records, final Map<ApplyTopicRecord, ParkedRows.Parked> byRecord) {
    for (final ParkedRows.Parked p : rows) {
      if (read.add(p.id())) {
        final ApplyTopicRecord r = new ApplyTopicRecord(p.topic(), p.partition(), p.offset(),
            p.key(), PackedApplyRecord.read(topics, p.topic(), p.record()), 1, false);
        records.add(r);
        byRecord.put(r, p);
      }
    }
  }

  private void purgeTombstonesNowAndThen(final RetryingConnection target) {
    if (System.nanoTime() - lastPurgeNanos < Duration.ofMinutes(10).toNanos()) {
      return;
    }
    lastPurgeNanos = System.nanoTime();
    final int purged = target.withRetries(() -> {
      final int n = tombstones.purge(target.connection(), config.tombstoneRetention());
      target.connection().commit();
      return n;
    });
    if (purged > 0) {
      LOG.info("purged {} tombstones older than {}", purged, config.tombstoneRetention());
    }
  }
}
