package dev.ferry.processor.ordering;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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
 * <p><b>The slowest partition.</b> A task reads one partition of each CDC topic, and Kafka Streams may read one
 * of them seconds of source time ahead of another. A task's time is therefore the least of its partitions' times,
 * taken over the partitions that carry the connector's progress marks ({@link #progress}): a partition that is
 * merely behind then holds the clock back, and one of a table nobody changes still advances, by its marks. Where no
 * partition of a task has shown a mark yet (just after a start, or topics written by something else), the time is
 * the newest read in any partition, as before the marks existed.
 *
 * <p>One instance serves every task of a topology: the transaction assembler advances a task's time with each
 * change it reads, and the header/detail buffer of the same task reads it. Tasks are independent (each sees
 * its own partitions), so each has its own time. A task's time starts unknown after a restart, and nothing
 * expires until its first change is read: the changes after it can only be later.
 */
public final class StreamTime {
  /** A task's time before its first change. */
  public static final long UNKNOWN = Long.MIN_VALUE;

  private final ConcurrentMap<TaskId, TaskTime> tasks = new ConcurrentHashMap<>();

  /** One task's time: the newest read anywhere, and per partition (by topic) that carries marks the newest there. */
  private static final class TaskTime {
    private long newest = UNKNOWN;
    private final Map<String, Long> marked = new HashMap<>();

    synchronized void read(final String topic, final long sourceMs, final boolean mark, final boolean snapshot) {
      newest = Math.max(newest, sourceMs);
      // per change: a look-up, and a write only when the partition's time moves (no lambda to allocate)
      final Long was = marked.get(topic);
      if (mark && was == null || !snapshot && was != null && sourceMs > was) {
        marked.put(topic, sourceMs);
      }
    }

    synchronized long now() {
      if (marked.isEmpty()) {
        return newest;
      }
      long least = Long.MAX_VALUE;
      for (final long t : marked.values()) {
        least = Math.min(least, t);
      }
      return least;
    }
  }

  /**
   * Notes that {@code task} has read, in its partition of {@code topic}, a change committed at {@code sourceMs}
   * (epoch ms; 0 or less: unknown). A {@code snapshot} row's time is when it was read, not a commit time in the
   * stream's order: it advances the newest time only, not a marked partition's.
   */
  public void advance(final TaskId task, final String topic, final long sourceMs, final boolean snapshot) {
    if (sourceMs > 0) {
      tasks.computeIfAbsent(task, t -> new TaskTime()).read(topic, sourceMs, false, snapshot);
    }
  }

  /**
   * Notes that {@code task}'s partition of {@code topic} holds every change captured up to {@code sourceMs}: the
   * connector's progress mark. From then on that partition's time counts towards the task's least.
   */
  public void progress(final TaskId task, final String topic, final long sourceMs) {
    if (sourceMs > 0) {
      tasks.computeIfAbsent(task, t -> new TaskTime()).read(topic, sourceMs, true, false);
    }
  }

  /** How far {@code task}'s input is known complete (see the class comment), or {@link #UNKNOWN}. */
  public long now(final TaskId task) {
    final TaskTime t = tasks.get(task);
    return t == null ? UNKNOWN : t.now();
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
