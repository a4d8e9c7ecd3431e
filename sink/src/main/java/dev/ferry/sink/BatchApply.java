package dev.ferry.sink;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.FerryTopics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one batch of apply records in one target transaction, with everything that belongs in it: the rows
 * ({@link BatchWriter}), and the offsets after them; a group under a relation whose row the target refused left
 * out whole ({@link WholeGroups}); rows waiting for a row they reference parked ({@link ParkedRows}); the ends of
 * snapshots recorded ({@link SnapshotSweeps}); and the dead letters of what the target refused, acknowledged by
 * Kafka before the transaction commits. Counts what it applied, refused and parked. Called by the writers, each
 * on its own connection.
 */
final class BatchApply {
  private static final Logger LOG = LoggerFactory.getLogger(BatchApply.class);
  private final FerryTopics topics;
  private final ParkedRows parked;
  private final SinkDeadLetters deadLetters;
  private final SnapshotSweeps sweeps;
  private final WholeGroups wholeGroups;
  private final IntSupplier applyPartitions;
  private final AtomicLong applied;
  private final SinkRuns runs;
  private final OwnWrites ownWrites;
  private final AtomicLong failed;
  private final AtomicLong parkedNow;
  private final AtomicLong lastSourceTsMs = new AtomicLong();
  /** Batches applied in parts because the target refused them whole for their size. */
  private final AtomicLong splitForSize = new AtomicLong();

  /**
   * @param applyPartitions how many partitions the apply topic has (a snapshot's end comes through each)
   * @param applied rows applied, @param failed rows dead-lettered, @param parkedNow rows parked now: counters shared
   *     with the rest of the sink
   */
  BatchApply(final FerryTopics topics, final ParkedRows parked, final SinkDeadLetters deadLetters,
      final SnapshotSweeps sweeps, final WholeGroups wholeGroups, final IntSupplier applyPartitions,
      final SinkRuns runs, final OwnWrites ownWrites, final AtomicLong applied, final AtomicLong failed,
      final AtomicLong parkedNow) {
    this.runs = runs;
    this.ownWrites = ownWrites;
    this.topics = topics;
    this.parked = parked;
    this.deadLetters = deadLetters;
    this.sweeps = sweeps;
    this.wholeGroups = wholeGroups;
    this.applyPartitions = applyPartitions;
    this.applied = applied;
    this.failed = failed;
    this.parkedNow = parkedNow;
  }

  /** Batches applied in parts because the target refused them whole for their size, since the sink started. */
  long splitForSize() {
    return splitForSize.get();
  }

  /** Source time of the last applied change, epoch ms (0 before the first). */
  long lastSourceTsMs() {
    return lastSourceTsMs.get();
  }

  /**
   * Applies {@code all} (a writer's batch) and the offsets {@code next} on {@code target}, with retries of
   * transient errors. A batch the target refuses for its size again and again ({@link RetryingConnection.TooLarge})
   * is applied in two transactions, each halved again as long as the target refuses it, down to a single group
   * ({@link BatchSplit}): a group, one source transaction under one header, is never torn for it.
   */
  void apply(final RetryingConnection target, final BatchWriter batches, final List<ApplyTopicRecord> all,
      final Map<TopicPartition, Long> next) {
    try {
      applyWhole(target, batches, all, next, all.size() > 1);
    } catch (RetryingConnection.TooLarge e) {
      final int cut = BatchSplit.cut(all);
      if (cut < 0) {
        LOG.warn("the target refused a batch of {} records {} times for its size ({}), and the batch is one group, "
            + "which one transaction must hold: retrying it whole until the target takes it", all.size(),
            RetryingConnection.TRIES_BEFORE_SPLIT, e.reason());
        applyWhole(target, batches, all, next, false);
        return;
      }
      final List<ApplyTopicRecord> first = all.subList(0, cut);
      LOG.warn("the target refused a batch of {} records {} times for its size ({}); applying it as {} and {} "
          + "records in separate transactions", all.size(), RetryingConnection.TRIES_BEFORE_SPLIT, e.reason(),
          cut, all.size() - cut);
      splitForSize.incrementAndGet();
      apply(target, batches, first, BatchSplit.offsetsOf(first));
      apply(target, batches, all.subList(cut, all.size()), next);
    }
  }

  private void applyWhole(final RetryingConnection target, final BatchWriter batches,
      final List<ApplyTopicRecord> all, final Map<TopicPartition, Long> next, final boolean splittable) {
    final List<ApplyTopicRecord> snapshotEnds = all.stream().filter(r -> r.packed().op() == ApplyOp.SWEEP).toList();
    final List<ApplyTopicRecord> batch = snapshotEnds.isEmpty() ? all
        : all.stream().filter(r -> r.packed().op() != ApplyOp.SWEEP).toList();
    final int[] parkedInBatch = new int[1];
    final int[] refusedWithGroup = new int[1];
    final java.util.Set<ApplyTopicRecord> notApplied = java.util.Collections.newSetFromMap(
        new java.util.IdentityHashMap<>());
    final List<BatchWriter.Failure> failures = target.withRetries(() -> {
      notApplied.clear();
      final Connection connection = target.connection();
      // a group under a relation applies whole or not at all
      final WholeGroups.Written written = wholeGroups.writeWhole(connection, batch,
          records -> batches.write(connection, records, next));
      final List<BatchWriter.Failure> f = written.failures();
      final List<WholeGroups.Torn> torn = written.torn();
      // a snapshot's end, behind the rows just written: recorded in their transaction (SnapshotSweeps)
      for (final ApplyTopicRecord r : snapshotEnds) {
        sweeps.passed(connection, r.packed().unpack(), r.partition(), applyPartitions.getAsInt());
      }
      final List<BatchWriter.Failure> refused = new ArrayList<>();
      final List<WholeGroups.Torn> refusedWhole = new ArrayList<>();
      final List<ParkedRows.ToPark> toPark = new ArrayList<>();
      for (final BatchWriter.Failure x : f) {
        notApplied.add(x.record());
        if (x.waits()) {
          toPark.add(toPark(x.record(), x.error().getMessage()));
        } else {
          refused.add(x);
        }
      }
      for (final WholeGroups.Torn t : torn) {
        notApplied.addAll(t.members());
        if (t.waitsOnly()) {
          // the whole group waits for the row one of its rows references, and is retried together
          final String why = t.refused().get(0).error().getMessage();
          for (final ApplyTopicRecord m : t.members()) {
            toPark.add(toPark(m, why));
          }
        } else {
          refusedWhole.add(t);
        }
      }
      parked.park(connection, toPark);
      final int newlyParked = toPark.size();
      if (!refused.isEmpty()) {
        deadLetters.refused(refused);
      }
      if (!refusedWhole.isEmpty()) {
        deadLetters.refusedWhole(refusedWhole);
      }
      ownWrites.mark(connection);
      connection.commit();
      parkedNow.addAndGet(newlyParked);
      parkedInBatch[0] = newlyParked;
      refusedWithGroup[0] = refusedWhole.stream().mapToInt(t -> t.members().size()).sum();
      return refused;
    }, splittable);
    final int refusedRows = failures.size() + refusedWithGroup[0];
    applied.addAndGet(batch.size() - refusedRows - parkedInBatch[0]);
    failed.addAndGet(refusedRows);
    final Map<String, Long> perTable = new java.util.HashMap<>();
    for (final ApplyTopicRecord r : batch) {
      if (!notApplied.contains(r)) {
        perTable.merge(r.packed().table(), 1L, Long::sum);
      }
    }
    perTable.forEach(runs::applied);
    if (!batch.isEmpty()) {
      lastSourceTsMs.set(batch.get(batch.size() - 1).packed().sourceTsMs());
    }
  }

  private ParkedRows.ToPark toPark(final ApplyTopicRecord r, final String why) {
    return new ParkedRows.ToPark(r.topic(), r.partition(), r.offset(), r.key(),
        topics.apply().valueSerde().serializer().serialize(r.topic(), r.value()), why);
  }
}
