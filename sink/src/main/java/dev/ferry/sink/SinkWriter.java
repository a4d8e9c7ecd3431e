package dev.ferry.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * One connection to the target and the one thread that uses it. It applies, in order, the batches of
 * the partitions that are its share, each with their offsets in one transaction, so the writers never
 * touch the same partition and each partition's record of progress stays exact.
 */
final class SinkWriter {
  /** What a writer needs of the consumer thread that feeds it (all called on that thread). */
  interface Host {
    /** Pause the partitions writer {@code index} holds: it takes no further batch now. */
    void pause(int index);

    /** Resume every paused partition that a writer takes batches for again. */
    void resumeWritable();

    /** A task's offsets are in the target (for the usual lag tools only: the target holds the real ones). */
    void done(Map<TopicPartition, Long> offsets);
  }

  /** A batch of complete groups and the offsets after it. */
  record Prepared(List<ApplyTopicRecord> batch, Map<TopicPartition, Long> next) {
  }

  /** A writer's task: the partitions it has records of, how many records, and its result (offsets written). */
  private record Task(Set<TopicPartition> partitions, int records, Future<Map<TopicPartition, Long>> result) {
  }

  final int index;
  /** Every action on this writer's connection runs here, one at a time, in order. */
  private final ExecutorService executor;
  final BatchWriter batches;
  private final RetryingConnection target;
  /**
   * Tasks submitted and not yet finished, oldest first (consumer thread only): the batch being written
   * and at most one more, prepared while it is written, so the writer never waits for the consumer.
   */
  private final ArrayDeque<Task> pending = new ArrayDeque<>();
  final AtomicLong inFlightRecords = new AtomicLong();
  private final PartitionHolders holders;
  private final BatchApply apply;
  private final Housekeeping housekeeping;
  private final BlockingQueue<SinkWriter> finished;
  private final Host host;

  /**
   * @param name the sink's name (its consumer group), for the thread's name
   * @param housekeeping the upkeep this writer runs between batches, or null (only the first writer keeps house)
   * @param finished where this writer says it finished a task, to wake the consumer thread
   */
  SinkWriter(final int index, final String name, final BatchWriter batches, final RetryingConnection target,
      final PartitionHolders holders, final BatchApply apply, final Housekeeping housekeeping,
      final BlockingQueue<SinkWriter> finished, final Host host) {
    this.index = index;
    this.executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "ferry-sink-db-" + index + "-" + name));
    this.batches = batches;
    this.target = target;
    this.holders = holders;
    this.apply = apply;
    this.housekeeping = housekeeping;
    this.finished = finished;
    this.host = host;
  }

  /** True when this writer takes another batch now. */
  boolean accepts() {
    return pending.size() < 2;
  }

  boolean idle() {
    return pending.isEmpty();
  }

  /**
   * Queues {@code batch} (null: only the housekeeping); with two batches queued, the partitions it holds
   * are paused until the first is written. Consumer thread only.
   */
  void submit(final Prepared batch) {
    final Set<TopicPartition> partitions = batch == null ? Set.of() : batch.next().keySet();
    if (batch != null) {
      inFlightRecords.addAndGet(batch.batch().size());
      holders.submitted(index, partitions, batch.batch().size());
    }
    pending.addLast(new Task(partitions, batch == null ? 0 : batch.batch().size(), executor.submit(() -> {
      try {
        if (batch != null) {
          apply.apply(target, batches, batch.batch(), batch.next());
          inFlightRecords.addAndGet(-batch.batch().size());
        }
        if (housekeeping != null) {
          housekeeping.runDue(target, batches);
        }
        return batch == null ? Map.<TopicPartition, Long>of() : batch.next();
      } finally {
        finished.add(this);
      }
    })));
    if (!accepts()) {
      host.pause(index);
    }
  }

  /** Completes the tasks that are done, in order. */
  void finishDone() {
    while (!pending.isEmpty() && pending.peekFirst().result().isDone()) {
      finishOldest();
    }
  }

  /** Waits for every task. */
  void finishAll() {
    while (!pending.isEmpty()) {
      finishOldest();
    }
  }

  /**
   * Waits for the oldest task, then tells Kafka its offsets (only for the usual lag tools). Its
   * partitions of which this writer has no other task are free again for any writer.
   */
  void finishOldest() {
    final Task task = pending.pollFirst();
    final Map<TopicPartition, Long> done;
    try {
      done = task.result().get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to the target", e);
    } finally {
      finished.remove(this);
      if (pending.isEmpty()) {
        inFlightRecords.set(0);
      }
      holders.finished(index, task.partitions(), task.records());
      host.resumeWritable();
    }
    if (!done.isEmpty()) {
      host.done(done);
    }
  }

  /** Runs {@code work} on this writer, with retries of transient errors, and waits for it. */
  <T> T call(final TargetWork<T> work) {
    try {
      return executor.submit(() -> withRetries(work)).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the target", e);
    }
  }

  <T> T withRetries(final TargetWork<T> work) {
    return target.withRetries(work);
  }

  Connection connection() throws SQLException {
    return target.connection();
  }

  void shutdown() {
    executor.submit(target::close);
    executor.shutdown();
    try {
      executor.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
