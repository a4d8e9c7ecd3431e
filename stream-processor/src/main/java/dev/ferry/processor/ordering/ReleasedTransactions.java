package dev.ferry.processor.ordering;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The source transactions a task has released, whole or torn, within the deduplication retention: how a
 * redelivered transaction is recognised. One entry per transaction, not one per change.
 *
 * <p>Why per transaction: Debezium is at-least-once. A capture that restarts before it stored its position sends
 * again what Kafka already holds, and PostgreSQL's logical decoding sends whole transactions, so what comes again is
 * whole transactions (their events and commit markers), and at most the part of one the capture was in. Checking
 * every change against a store of change identities cost a store read, a write and a changelog record per change:
 * a sixth to a quarter of the processor's CPU per row in streaming (docs/benchmarks.md, session 20). Here the
 * assembler asks once per transaction it does not hold (its first event or marker), and writes once per release.
 *
 * <p>What a repeat meets:
 * <ul>
 *   <li>a transaction released whole: its events and markers are dropped;</li>
 *   <li>a transaction still held: its events are put again under the same keys (source order), which changes
 *       nothing;</li>
 *   <li>a transaction released torn (a marker never came within the timeout): its late events pass alone, as they
 *       did before; a repeat of an event released in the torn part passes again, with its version, which the sink
 *       does not apply twice.</li>
 * </ul>
 *
 * <p>The identity is Debezium's transaction id (PostgreSQL's transaction id) with the source time of the
 * transaction's changes ({@code ts_ms}: PostgreSQL's commit time, the same for every change of a transaction), which a
 * redelivery carries again. The id alone can repeat within the retention: a legacy cluster restored from a backup
 * hands out the ids that followed the backup again, to other transactions, and a busy one wraps its 32-bit ids
 * within days; either way the new transaction's source time is later than the released one's. So a change is a
 * repeat only if its source time is at most the latest the released transaction carried; a later one is a new
 * transaction's, held as one. Commit markers are matched by id alone: a marker of a
 * transaction not held has no events ahead of it in its partition, so nothing of a new transaction is lost by
 * dropping it.
 *
 * <p>Stored in the deduplication window store (entries dropped by segment expiry after the retention; the store's
 * other entries are the identities of changes that belong to no transaction, {@link Deduplicator}), and
 * remembered in memory for the last {@value #KEPT} transactions, so that the markers and events of a transaction
 * released moments ago are known without a store read. Memory only: afresh at each init, from the store after.
 *
 * <p>A processor upgraded from a build that kept an entry per change does not find the transactions released before
 * the upgrade here: one sent again in the first hour after it is applied again, with its versions, which the sink
 * never applies over a row's newer one.
 */
final class ReleasedTransactions {
  static final int KEPT = 10_000;
  private static final String PREFIX = "tx|";

  /** What a transaction's release left: its latest source time, whether it was torn (and a late part seen since). */
  private static final class Released {
    final long latestTsMs;
    final boolean torn;
    boolean lateSeen;

    Released(final long latestTsMs, final boolean torn) {
      this.latestTsMs = latestTsMs;
      this.torn = torn;
    }
  }

  /** What a change of a transaction not held meets. */
  enum Repeat {
    /** Not released within the retention (or only an older transaction of the same id): a transaction to hold. */
    NONE,
    /** Released whole: the change is a redelivery, dropped. */
    OF_WHOLE,
    /** Released torn: the change is late, passed alone. */
    OF_TORN
  }

  private final WindowStore<String, Long> store;
  private final long retentionMs;
  private final Map<String, Released> lately = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(final Map.Entry<String, Released> eldest) {
      return size() > KEPT;
    }
  };

  ReleasedTransactions(final WindowStore<String, Long> store, final Duration retention) {
    this.store = store;
    this.retentionMs = retention.toMillis();
  }

  /**
   * {@code txId}, whose changes carried source times up to {@code latestTsMs}, was released at input time
   * {@code timestamp}: whole, or {@code torn}.
   */
  void released(final String txId, final long latestTsMs, final boolean torn, final long timestamp) {
    store.put(PREFIX + txId, latestTsMs << 1 | (torn ? 1 : 0), timestamp);
    lately.put(txId, new Released(latestTsMs, torn));
  }

  /** What a change of {@code txId} with source time {@code tsMs}, not held, meets at input time {@code now}. */
  Repeat change(final String txId, final long tsMs, final long now) {
    final Released known = lately.get(txId);
    if (known != null && tsMs <= known.latestTsMs) {
      return known.torn ? Repeat.OF_TORN : Repeat.OF_WHOLE;
    }
    try (WindowStoreIterator<Long> hits = fetch(txId, now)) {
      while (hits.hasNext()) {
        final long value = hits.next().value;
        if (tsMs <= value >> 1) {
          final boolean torn = (value & 1) == 1;
          lately.put(txId, new Released(value >> 1, torn));
          return torn ? Repeat.OF_TORN : Repeat.OF_WHOLE;
        }
      }
    }
    return Repeat.NONE;
  }

  /** Whether a commit marker of {@code txId}, not held, belongs to a transaction released within the retention. */
  boolean marker(final String txId, final long now) {
    if (lately.containsKey(txId)) {
      return true;
    }
    try (WindowStoreIterator<Long> hits = fetch(txId, now)) {
      return hits.hasNext();
    }
  }

  /** For a transaction released torn: true the first time a late part of it is seen (to say so once). */
  boolean firstLate(final String txId) {
    final Released r = lately.get(txId);
    if (r == null || !r.torn || r.lateSeen) {
      return false;
    }
    r.lateSeen = true;
    return true;
  }

  // the fetch by milliseconds: the Instant variant formats an error-message prefix on every call (ApiUtils)
  private WindowStoreIterator<Long> fetch(final String txId, final long now) {
    return store.fetch(PREFIX + txId, now - retentionMs, Long.MAX_VALUE);
  }
}
