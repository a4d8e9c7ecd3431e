package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.Columns;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The release of a source transaction too large to hold in memory (a legacy batch job that updates every row of a
 * table in one transaction): its groups are made in a store, not in lists, and passed on one group at a time, so the
 * processor's memory does not grow with the transaction. Seen before this class: a transaction of 1,500,000 changes
 * ran the processor out of its 512 MB heap (750,000 took 478 MB of it), and a processor restarted after that met
 * the same transaction again, so the sync stood still.
 *
 * <p>Three passes over {@link ProcessorStores#TX_RELEASE}, a RocksDB store without a changelog (scratch space:
 * a task that fails halfway starts the release again from the held events, which stay in their store until it
 * commits):
 * <ol>
 *   <li>the held events in source order, each row's final state folded in as they come
 *       ({@link FinalStates#next}), under {@code txId/r/<row>}; the events leave their store as they are read;
 *   <li>each final state under its group, {@code txId/g/<length of the header key>/<header key>/<row>}, so that a
 *       group's rows are next to each other whatever the keys hold;
 *   <li>the groups, one at a time, as {@link ApplyOrder} makes them.
 * </ol>
 * The groups come out in the order of their header keys' lengths, then the keys; within a group, rows of one phase
 * in the order of their keys rather than of their first change (the sink orders a batch's rows by foreign keys).
 */
final class LargeRelease {
  private static final StringSerializer KEYS = new StringSerializer();

  /**
   * What the release read: how many changes, the newest source time among them (0 for none) and the highest
   * position.
   */
  record Read(long changes, long latestSourceMs, long maxLsn) {
  }

  private final KeyValueStore<String, ChangeEvent> events;
  private final KeyValueStore<String, ChangeEvent> scratch;
  private final ApplyOrder order;

  LargeRelease(final KeyValueStore<String, ChangeEvent> events, final KeyValueStore<String, ChangeEvent> scratch,
      final ApplyOrder order) {
    this.events = events;
    this.scratch = scratch;
    this.order = order;
  }

  /**
   * Pass 1: folds every held event of {@code txId} into its row's final state in the scratch store and deletes the
   * event from the assembler's store. Call {@link #forward} or {@link #drop} next.
   */
  Read collapse(final String txId) {
    clear(txId + "/");
    final String rows = txId + "/r/";
    long changes = 0;
    long latest = 0;
    long maxLsn = 0;
    final List<String> read = new ArrayList<>();
    try (KeyValueIterator<String, ChangeEvent> it = events.prefixScan(txId + "/", KEYS)) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeEvent> kv = it.next();
        final ChangeEvent e = kv.value;
        final String row = rows + ApplyOrder.table(e) + "/" + Columns.keyText(e.getKey());
        scratch.put(row, FinalStates.next(scratch.get(row), e));
        changes++;
        latest = Math.max(latest, e.getSource().getTsMs());
        maxLsn = Math.max(maxLsn, e.getSource().getLsn());
        read.add(kv.key);
        if (read.size() >= 10_000) {
          read.forEach(events::delete);
          read.clear();
        }
      }
    }
    read.forEach(events::delete);
    return new Read(changes, latest, maxLsn);
  }

  /** Passes 2 and 3: the final states of {@code txId} as groups, one at a time, to {@code forward}. */
  void forward(final String txId, final long commitLsn, final Consumer<ChangeGroup> forward) {
    final String rows = txId + "/r/";
    try (KeyValueIterator<String, ChangeEvent> it = scratch.prefixScan(rows, KEYS)) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeEvent> kv = it.next();
        final String header = order.headerKey(kv.value);
        scratch.put(txId + "/g/" + StoreKeys.numbered("", header.length()).substring(1) + "/" + header + "/"
            + kv.key.substring(rows.length()), kv.value);
        scratch.delete(kv.key);
      }
    }
    final String groups = txId + "/g/";
    String header = null;
    final List<ChangeEvent> group = new ArrayList<>();
    try (KeyValueIterator<String, ChangeEvent> it = scratch.prefixScan(groups, KEYS)) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeEvent> kv = it.next();
        // the header key as pass 2 filed it: its length, a slash, the key
        final int at = groups.length() + 20;
        final String h = kv.key.substring(at, at + Integer.parseInt(kv.key, groups.length(), at - 1, 10));
        if (header != null && !header.equals(h)) {
          forward.accept(order.group(txId + "/" + header, header, commitLsn, group));
          group.clear();
        }
        header = h;
        group.add(kv.value);
        scratch.delete(kv.key);
      }
    }
    if (header != null) {
      forward.accept(order.group(txId + "/" + header, header, commitLsn, group));
    }
  }

  /** The final states of {@code txId} dropped unsent (a transaction Ferry's own sink wrote). */
  void drop(final String txId) {
    clear(txId + "/");
  }

  /** Deletes every scratch entry under {@code prefix}, 10,000 keys per scan. */
  private void clear(final String prefix) {
    final List<String> keys = new ArrayList<>();
    do {
      keys.clear();
      try (KeyValueIterator<String, ChangeEvent> it = scratch.prefixScan(prefix, KEYS)) {
        while (it.hasNext() && keys.size() < 10_000) {
          keys.add(it.next().key);
        }
      }
      keys.forEach(scratch::delete);
    } while (keys.size() == 10_000);
  }
}
