package dev.ferry.processor.ordering;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The processor's one clock for its timeouts: how far each task's input has advanced, read from the source
 * commit time ({@code source.tsMs}) of the changes the task has taken in, never from the wall clock.
 *
 * <p>Why: a wait measured on the wall clock also counts time in which no input could arrive. A processor
 * stopped for an hour in the middle of a transaction, or working through an hour of backlog, would find every
 * held transaction and every detail waiting for its header "timed out" and release them torn or dead-letter
 * them, although the rest of the transaction and the header were next in its input. Counted in input time,
 * a transaction is given up only once changes committed {@code timeout} after it have been read, and downtime,
 * restarts and backlogs cost nothing. The price: on a source that has gone quiet, nothing times out until the
 * next change arrives (the held rows wait, bounded by {@code processor.orphan-buffer-max}).
 *
 * <p>One instance serves every task of a topology: the transaction assembler advances a task's time with each
 * change it reads, and the header/detail buffer of the same task reads it. Tasks are independent (each sees
 * its own partitions), so each has its own time. A task's time starts unknown after a restart, and nothing
 * expires until its first change is read: the changes after it can only be later.
 */
public final class StreamTime {
  /** A task's time before its first change. */
  public static final long UNKNOWN = Long.MIN_VALUE;

  private final ConcurrentMap<TaskId, AtomicLong> latest = new ConcurrentHashMap<>();

  /** Notes that {@code task} has read a change committed at {@code sourceMs} (epoch ms; 0 or less: unknown). */
  public void advance(final TaskId task, final long sourceMs) {
    if (sourceMs > 0) {
      latest.computeIfAbsent(task, t -> new AtomicLong(UNKNOWN)).accumulateAndGet(sourceMs, Math::max);
    }
  }

  /** The latest source commit time {@code task} has read, or {@link #UNKNOWN}. */
  public long now(final TaskId task) {
    final AtomicLong t = latest.get(task);
    return t == null ? UNKNOWN : t.get();
  }

  /** Whether {@code task}'s input has advanced at least {@code timeout} past {@code sinceMs}. */
  public boolean hasPassed(final TaskId task, final long sinceMs, final Duration timeout) {
    final long now = now(task);
    return now != UNKNOWN && sinceMs != UNKNOWN && now - sinceMs >= timeout.toMillis();
  }

  /** {@code sinceMs} for something first seen now in {@code task}: its own source time where known. */
  public long since(final TaskId task, final long sourceMs) {
    return sourceMs > 0 ? sourceMs : now(task);
  }
}
