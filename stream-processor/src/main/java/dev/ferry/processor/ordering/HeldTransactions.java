package dev.ferry.processor.ordering;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * What the transaction assembler keeps in memory about the transactions it holds, so that it need not iterate its
 * RocksDB stores: the keys of each one's events, in order, and when each was first seen.
 *
 * <p>Why: the stores' entries are written and deleted by the hundred thousand, and an iterator walks over every
 * deletion RocksDB has not compacted away yet. A release's prefix scan and the timeout check's scan of every held
 * transaction had made a processor that was behind crawl at about 1,000 events/s instead of 15,000
 * (docs/benchmarks.md). With the keys at hand, a release reads its events by key.
 *
 * <p>Bounded: a transaction of more than {@value #MAX_KEYS} events keeps no key list and is read back with one
 * prefix scan, as are the transactions held before a restart (the index is rebuilt at start with their
 * first-seen times only). One per task, used by its stream thread only.
 */
final class HeldTransactions {
  static final int MAX_KEYS = 100_000;

  private final Map<String, Long> firstSeen = new HashMap<>();
  private final Map<String, TreeSet<String>> keys = new HashMap<>();

  /** {@code txId} is held from now on, first seen at {@code firstSeenMs}; its events are recorded as they come. */
  void started(final String txId, final long firstSeenMs) {
    firstSeen.put(txId, firstSeenMs);
    keys.put(txId, new TreeSet<>());
  }

  /** {@code txId} is held (found at start, or its first-seen time became known); its keys are not recorded. */
  void seen(final String txId, final long firstSeenMs) {
    firstSeen.put(txId, firstSeenMs);
  }

  /** {@code txId} holds an event under {@code key}. */
  void added(final String txId, final String key) {
    final TreeSet<String> k = keys.get(txId);
    if (k == null) {
      return;
    }
    if (k.size() >= MAX_KEYS) {
      keys.remove(txId);
    } else {
      k.add(key);
    }
  }

  /** The keys of {@code txId}'s events in store order, or null when they must be found by a prefix scan. */
  List<String> keysOf(final String txId) {
    final TreeSet<String> k = keys.get(txId);
    return k == null ? null : new ArrayList<>(k);
  }

  void released(final String txId) {
    firstSeen.remove(txId);
    keys.remove(txId);
  }

  /** The held transactions whose first-seen time {@code passed} accepts. */
  List<String> firstSeen(final LongPredicate passed) {
    final List<String> out = new ArrayList<>();
    firstSeen.forEach((txId, since) -> {
      if (passed.test(since)) {
        out.add(txId);
      }
    });
    return out;
  }
}
