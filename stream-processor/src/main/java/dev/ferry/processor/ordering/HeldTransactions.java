package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.PendingTransaction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The transactions the assembler holds, in memory beside its stores (which stay the durable copy): each one's
 * state and the keys of its events, in order, with the events themselves while there is room.
 *
 * <p>Why: the stores' entries are written and deleted by the hundred thousand, and an iterator walks over every
 * deletion RocksDB has not compacted away yet. A release's prefix scan and the timeout check's scan of every held
 * transaction had made a processor that was behind crawl at about 1,000 events/s instead of 15,000
 * (docs/benchmarks.md). With the keys at hand, a release reads its events by key; with the state at hand, an event
 * costs no store read; with the events at hand, a release reads and decodes nothing (most transactions are
 * released within milliseconds of their last event).
 *
 * <p>Bounded: a transaction of more than {@value #MAX_KEYS} events keeps no key list and is read back with one
 * prefix scan, as are the transactions held before this start (loaded from the store without their keys); at
 * most {@value #MAX_EVENTS} events per task are kept in memory over all transactions held (a few milliseconds of
 * input in streaming; a large transaction spills), the rest are read from the
 * store at release. One per task, built afresh at each init from the store, used by its stream thread only.
 *
 * <p>What was released is {@link ReleasedTransactions}' to know.
 */
final class HeldTransactions {
  static final int MAX_KEYS = 100_000;
  static final int MAX_EVENTS = 5_000;

  private final Map<String, PendingTransaction> open = new HashMap<>();
  /** Per transaction its events by key, in store order; a null event is in the store only. */
  private final Map<String, TreeMap<String, ChangeEvent>> keys = new HashMap<>();
  private int eventsInMemory;

  /** The held state of {@code txId}, or null. */
  PendingTransaction get(final String txId) {
    return open.get(txId);
  }

  /** {@code tx} is held from now on; its events are recorded as they come. */
  void started(final PendingTransaction tx) {
    open.put(tx.getTxId(), tx);
    keys.put(tx.getTxId(), new TreeMap<>());
  }

  /** {@code tx} was held before this start; its events' keys are not known here. */
  void restored(final PendingTransaction tx) {
    open.put(tx.getTxId(), tx);
  }

  /** {@code txId} holds {@code event} under {@code key} (and in the store). */
  void added(final String txId, final String key, final ChangeEvent event) {
    final TreeMap<String, ChangeEvent> k = keys.get(txId);
    if (k == null) {
      return;
    }
    if (k.size() >= MAX_KEYS) {
      forget(keys.remove(txId));
    } else if (eventsInMemory < MAX_EVENTS && k.put(key, event) == null) {
      eventsInMemory++;
    } else {
      k.putIfAbsent(key, null);
    }
  }

  /**
   * {@code txId}'s events by key in store order (a null event: read it from the store), or null when they must
   * be found by a prefix scan.
   */
  NavigableMap<String, ChangeEvent> eventsOf(final String txId) {
    return keys.get(txId);
  }

  /** How many transactions are held. */
  int size() {
    return open.size();
  }

  /** {@code txId} was released: it is held no more. */
  void released(final String txId) {
    open.remove(txId);
    forget(keys.remove(txId));
  }

  private void forget(final Map<String, ChangeEvent> events) {
    if (events != null) {
      for (final ChangeEvent e : events.values()) {
        if (e != null) {
          eventsInMemory--;
        }
      }
    }
  }

  /** The held transactions whose first-seen time {@code passed} accepts. */
  List<PendingTransaction> firstSeen(final LongPredicate passed) {
    return open.values().stream().filter(tx -> passed.test(tx.getFirstSeenMs())).toList();
  }
}
