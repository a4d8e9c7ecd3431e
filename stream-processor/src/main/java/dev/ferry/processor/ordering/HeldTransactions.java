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
 * <p>It also remembers the last {@value #RELEASED_KEPT} transactions released, so that a commit marker arriving for
 * one of them after its release (a capture restarted inside it marks it again), or the late part of one released
 * torn, is known for what it is. Memory only:
 * afresh at each init, so a task revived after an aborted commit never takes a marker it must read again for a repeat.
 */
final class HeldTransactions {
  static final int MAX_KEYS = 100_000;
  static final int MAX_EVENTS = 5_000;
  static final int RELEASED_KEPT = 10_000;

  private final Map<String, PendingTransaction> open = new HashMap<>();
  /** Per transaction its events by key, in store order; a null event is in the store only. */
  private final Map<String, TreeMap<String, ChangeEvent>> keys = new HashMap<>();
  private int eventsInMemory;
  private static final byte WHOLE = 0;
  private static final byte TORN = 1;
  private static final byte TORN_LATE_SEEN = 2;
  /** Per transaction released lately: whole, torn (timed out), or torn and a late part of it seen since. */
  private final Map<String, Byte> releasedLately = new java.util.LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(final Map.Entry<String, Byte> eldest) {
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

  /** {@code txId} was released: whole, or {@code torn} (given up on after the timeout). */
  void released(final String txId, final boolean torn) {
    open.remove(txId);
    forget(keys.remove(txId));
    releasedLately.put(txId, torn ? TORN : WHOLE);
  }

  /** Whether {@code txId}, not held now, was released lately (one of the last {@value #RELEASED_KEPT}). */
  boolean releasedLately(final String txId) {
    return releasedLately.containsKey(txId);
  }

  /** Whether {@code txId}, not held now, was released torn lately. */
  boolean releasedTorn(final String txId) {
    final Byte state = releasedLately.get(txId);
    return state != null && state != WHOLE;
  }

  /** For a transaction released torn: true the first time a late part of it is seen (to say so once). */
  boolean firstLate(final String txId) {
    return releasedLately.replace(txId, TORN, TORN_LATE_SEEN);
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
