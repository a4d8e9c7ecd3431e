package dev.ferry.processor.ordering;

import dev.ferry.schemas.PendingTransaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * The transactions the assembler holds, in memory beside its stores (which stay the durable copy, written
 * through): each one's state and the keys of its events, in order.
 *
 * <p>Why: the stores' entries are written and deleted by the hundred thousand, and an iterator walks over every
 * deletion RocksDB has not compacted away yet. A release's prefix scan and the timeout check's scan of every held
 * transaction had made a processor that was behind crawl at about 1,000 events/s instead of 15,000
 * (docs/benchmarks.md). With the keys at hand, a release reads its events by key; with the state at hand, an event
 * costs no store read.
 *
 * <p>Bounded: a transaction of more than {@value #MAX_KEYS} events keeps no key list and is read back with one
 * prefix scan, as are the transactions held before this start (loaded from the store without their keys). One
 * per task, built afresh at each init from the store, used by its stream thread only.
 *
 * <p>It also remembers the last {@value #RELEASED_KEPT} transactions released, so that a commit marker arriving for
 * one of them after its release (a capture restarted inside it marks it again) is known for what it is. Memory only:
 * afresh at each init, so a task revived after an aborted commit never takes a marker it must read again for a repeat.
 */
final class HeldTransactions {
  static final int MAX_KEYS = 100_000;
  static final int RELEASED_KEPT = 10_000;

  private final Map<String, PendingTransaction> open = new HashMap<>();
  private final Map<String, TreeSet<String>> keys = new HashMap<>();
  private final Map<String, Boolean> releasedLately = new java.util.LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(final Map.Entry<String, Boolean> eldest) {
      return size() > RELEASED_KEPT;
    }
  };

  /** The held state of {@code txId}, or null. */
  PendingTransaction get(final String txId) {
    return open.get(txId);
  }

  /** {@code tx} is held from now on; its events are recorded as they come. */
  void started(final PendingTransaction tx) {
    open.put(tx.getTxId(), tx);
    keys.put(tx.getTxId(), new TreeSet<>());
  }

  /** {@code tx} was held before this start; its events' keys are not known here. */
  void restored(final PendingTransaction tx) {
    open.put(tx.getTxId(), tx);
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

  /** How many transactions are held. */
  int size() {
    return open.size();
  }

  void released(final String txId) {
    open.remove(txId);
    keys.remove(txId);
    releasedLately.put(txId, Boolean.TRUE);
  }

  /** Whether {@code txId} is not held now and was released lately (one of the last {@value #RELEASED_KEPT}). */
  boolean releasedLately(final String txId) {
    return !open.containsKey(txId) && releasedLately.containsKey(txId);
  }

  /** The held transactions whose first-seen time {@code passed} accepts. */
  List<PendingTransaction> firstSeen(final LongPredicate passed) {
    return open.values().stream().filter(tx -> passed.test(tx.getFirstSeenMs())).toList();
  }
}
