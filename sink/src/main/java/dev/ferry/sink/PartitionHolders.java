package dev.ferry.sink;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.IntToLongFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Which of a sink's writers applies a partition's next batch. A partition is held by the writer that has
 * batches of it submitted and not yet finished, and its next batch goes there too: a partition is
 * applied by one writer at a time, in order, so its offsets and rows never race. A partition no writer
 * holds goes to the least loaded writer (records in its unfinished batches), preferring writers that
 * take a batch now.
 *
 * <p>Fixed shares ({@code partition % writers}) would not balance: with the default three partitions
 * and two writers, one writer had twice the other's work. Not thread-safe: the consumer thread owns it.
 */
final class PartitionHolders {
  private final Map<TopicPartition, Integer> holder = new HashMap<>();
  /** Per writer: per partition it holds, how many of its unfinished batches have records of it. */
  private final Map<TopicPartition, Integer>[] held;
  /** Per writer: records in its unfinished batches. */
  private final long[] load;

  @SuppressWarnings("unchecked")
  PartitionHolders(final int writers) {
    if (writers < 1) {
      throw new IllegalArgumentException("writers must be at least 1, not " + writers);
    }
    this.held = new Map[writers];
    for (int w = 0; w < writers; w++) {
      held[w] = new HashMap<>();
    }
    this.load = new long[writers];
  }

  /**
   * The writer for {@code tp}'s next batch: its holder; else the least loaded writer that {@code accepts},
   * counting {@code alsoRouted} (records already given to it but not yet submitted); else the least
   * loaded of all. Ties go to the lower index.
   */
  int writerFor(final TopicPartition tp, final IntPredicate accepts, final IntToLongFunction alsoRouted) {
    final Integer h = holder.get(tp);
    if (h != null) {
      return h;
    }
    final int best = leastLoaded(accepts, alsoRouted);
    return best >= 0 ? best : leastLoaded(w -> true, alsoRouted);
  }

  private int leastLoaded(final IntPredicate eligible, final IntToLongFunction alsoRouted) {
    int best = -1;
    long bestLoad = Long.MAX_VALUE;
    for (int w = 0; w < load.length; w++) {
      if (eligible.test(w)) {
        final long l = load[w] + alsoRouted.applyAsLong(w);
        if (l < bestLoad) {
          best = w;
          bestLoad = l;
        }
      }
    }
    return best;
  }

  /** {@code writer} was given a batch of {@code records} records with records of {@code partitions}. */
  void submitted(final int writer, final Set<TopicPartition> partitions, final int records) {
    for (final TopicPartition tp : partitions) {
      final Integer h = holder.putIfAbsent(tp, writer);
      if (h != null && h != writer) {
        throw new IllegalStateException(tp + " is held by writer " + h + ", not " + writer);
      }
      held[writer].merge(tp, 1, Integer::sum);
    }
    load[writer] += records;
  }

  /** {@code writer} finished (committed or gave up) a batch given with {@link #submitted}. */
  void finished(final int writer, final Set<TopicPartition> partitions, final int records) {
    for (final TopicPartition tp : partitions) {
      if (held[writer].merge(tp, -1, Integer::sum) == 0) {
        held[writer].remove(tp);
        holder.remove(tp);
      }
    }
    load[writer] -= records;
  }

  /** The partitions {@code writer} holds. */
  Set<TopicPartition> heldBy(final int writer) {
    return held[writer].keySet();
  }

  /** Records in {@code writer}'s unfinished batches. */
  long load(final int writer) {
    return load[writer];
  }
}
