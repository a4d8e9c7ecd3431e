package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.PendingTransaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the events of each source transaction until the transaction is complete in this task, then
 * forwards them as {@link ChangeGroup}s, one per header key, in apply order ({@link ApplyOrder}).
 *
 * <p>Complete means: the connector's commit marker has arrived from every CDC topic that received
 * events of the transaction for this partition number (each marker says how many that is; where markers of one
 * transaction disagree, after the capture restarted inside it, the highest count holds). A marker
 * follows the transaction's events in its partition, so once all markers are in, so are all events.
 * Snapshot rows belong to no transaction and pass at once, each as a group of one.
 *
 * <pre>
 *   time  in (orders and order_details, partition 0)     out
 *   t1    order_details 10250|41 CREATE  tx 771          -           (held: 771 open)
 *   t2    order_details 10250|42 CREATE  tx 771          -
 *   t3    COMMIT tx 771 from order_details (of 2 topics)  -           (1 of 2 markers)
 *   t4    orders 10250 CREATE            tx 771          -
 *   t5    orders 10249 UPDATE            tx 772          -           (held: 772 open)
 *   t6    COMMIT tx 771 from orders (of 2 topics)        group 771/10250: orders 10250, lines 41, 42
 *   t7    COMMIT tx 772 from orders (of 1 topic)         group 772/10249: orders 10249
 *   t8    order_details 10250|41 CREATE  tx 771          group 771/10250: line 41   (replayed from a dead
 *                                                        letter: its markers passed long ago, so it goes alone)
 * </pre>
 *
 * <p>Events are kept in RocksDB, not in memory, so a large transaction spills to disk. A transaction
 * whose markers do not all arrive within {@code timeout} of input time ({@link StreamTime}: changes committed
 * that much later have been read) is released as collected, with a warning: a lost marker must not stall the
 * pipeline. Wall-clock time never releases one, so a processor stopped or behind does not tear transactions.
 */
public final class TransactionAssembler implements Processor<String, ChangeEvent, String, ChangeGroup> {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionAssembler.class);
  private static final StringSerializer KEYS = new StringSerializer();
  /** The prefix of a replayed group's id where it is held like a transaction ({@link #holdReplayed}). */
  private static final String REPLAY = "replay:";
  /**
   * Past this many changes a transaction is released through a store, one group at a time ({@link LargeRelease}),
   * not from lists in memory: 50,000 changes take some 30 MB there, 750,000 took 478 MB of a 512 MB heap.
   */
  static final int LARGE = 50_000;

  private final ApplyOrder order;
  private final Duration timeout;
  private final Duration dedupRetention;
  private final StreamTime time;
  private ProcessorContext<String, ChangeGroup> context;
  private KeyValueStore<String, ChangeEvent> events;
  private KeyValueStore<String, PendingTransaction> pending;
  private LargeRelease large;
  private HeldTransactions held;
  private ReleasedTransactions released;
  private org.apache.kafka.common.metrics.Sensor echoes;
  private org.apache.kafka.common.metrics.Sensor redeliveries;
  private org.apache.kafka.common.metrics.Sensor heldNow;

  /**
   * @param timeout how long in input time a transaction waits for its commit markers
   * @param dedupRetention how long a released transaction is known, so that a redelivery of it is dropped
   */
  public TransactionAssembler(final ApplyOrder order, final Duration timeout, final Duration dedupRetention,
      final StreamTime time) {
    this.order = order;
    this.timeout = timeout;
    this.dedupRetention = dedupRetention;
    this.time = time;
  }

  @Override
  public void init(final ProcessorContext<String, ChangeGroup> context) {
    this.context = context;
    this.echoes = EchoMetrics.sensor(context);
    this.redeliveries = RedeliveryMetrics.sensor(context);
    this.events = context.getStateStore(ProcessorStores.TX_EVENTS);
    this.pending = context.getStateStore(ProcessorStores.TX_STATE);
    this.large = new LargeRelease(events, context.getStateStore(ProcessorStores.TX_RELEASE), order);
    // afresh, from the one scan of the store: a task revived after an aborted commit is initialised again, and
    // what it held in memory before is not what the store was restored to
    held = new HeldTransactions();
    released = new ReleasedTransactions(context.getStateStore(ProcessorStores.DEDUP), dedupRetention);
    try (KeyValueIterator<String, PendingTransaction> it = pending.all()) {
      it.forEachRemaining(kv -> held.restored(kv.value));
    }
    heldNow = HeldMetrics.transactions(context);
    heldNow.record(held.size());
    final Duration every = timeout.dividedBy(4).compareTo(Duration.ofSeconds(5)) < 0
        ? timeout.dividedBy(4) : Duration.ofSeconds(5);
    // the wall clock only says how often to look; whether a transaction timed out is counted in input time
    context.schedule(every.isZero() ? Duration.ofMillis(100) : every, PunctuationType.WALL_CLOCK_TIME,
        this::releaseTimedOut);
  }

  @Override
  public void process(final Record<String, ChangeEvent> record) {
    final ChangeEvent e = record.value();
    if (e.getOp() == ChangeOp.SWEEP) {
      // the end of a snapshot, behind its rows in this partition: on at once, and not input time (it carries the
      // wall-clock time it was written at)
      final ChangeGroup end = ApplyOrder.snapshotEnd(e);
      context.forward(record.withKey(end.getId()).withValue(end));
      return;
    }
    final String topic = context.recordMetadata().map(m -> m.topic()).orElse("?");
    if (e.getOp() == ChangeOp.PROGRESS) {
      // the connector's word that this partition is complete up to its time: the clock's, nothing to pass on
      time.progress(context.taskId(), topic, e.getSource().getTsMs());
      return;
    }
    if (e.getOp() != ChangeOp.COMMIT) {
      time.advance(context.taskId(), topic, e.getSource().getTsMs(), e.getSource().getSnapshot());
    }
    final String txId = e.getSource().getTxId();
    final boolean replayed = e.getOp() != ChangeOp.COMMIT && DeadLetters.replayed(record.headers());
    final String replayGroup = replayed ? DeadLetters.replayGroup(record.headers()) : null;
    if (replayGroup != null) {
      holdReplayed(record, e, replayGroup, DeadLetters.replayGroupSize(record.headers()));
      return;
    }
    // a change replayed from a dead letter comes alone, long after its transaction's markers: a group of its own
    if (txId == null || replayed) {
      context.forward(record.withKey(order.headerKey(e)).withValue(order.single(e)));
      return;
    }
    PendingTransaction tx = held.get(txId);
    if (tx == null && afterItsRelease(record, e, txId)) {
      return;
    }
    if (tx == null) {
      tx = new PendingTransaction(txId, new ArrayList<>(), 0, -1L, 0,
          time.since(context.taskId(), e.getSource().getTsMs()));
      held.started(tx);
      heldNow.record(held.size());
    } else if (tx.getFirstSeenMs() == StreamTime.UNKNOWN) {
      tx.setFirstSeenMs(time.since(context.taskId(), e.getSource().getTsMs()));
    }
    if (e.getOp() == ChangeOp.COMMIT) {
      if (!tx.getMarkerTopics().contains(topic)) {
        final List<String> topics = new ArrayList<>(tx.getMarkerTopics());
        topics.add(topic);
        tx.setMarkerTopics(topics);
      }
      // the most any marker counted: a capture restarted inside a transaction it had already marked marks it again in
      // every topic, so one transaction can carry markers of two counts, and the lower one alone could release it
      // before the events ahead of the higher one's markers were read
      tx.setExpectedMarkers(Math.max(tx.getExpectedMarkers(), e.getCommit().getTopicsInPartition()));
      tx.setCommitLsn(e.getCommit().getCommitLsn());
      if (tx.getMarkerTopics().size() >= tx.getExpectedMarkers()) {
        release(tx, record);
        return;
      }
    } else {
      final String key = eventKey(txId, e);
      if (isHeld(txId, key)) {
        // sent again while its transaction is held (a capture restarted inside it): the same change, in place
        return;
      }
      events.put(key, e);
      held.added(txId, key, e);
      tx.setEvents(tx.getEvents() + 1);
    }
    pending.put(txId, tx);
  }

  /**
   * Whether held transaction {@code txId} is known to hold an event under {@code key}. Where its keys are not kept in
   * memory (held before this start, or too large) it is not asked of the store, a read per event: the repeat is put
   * again under its key, which changes nothing but the count of events (a capacity hint and a log figure).
   */
  private boolean isHeld(final String txId, final String key) {
    final NavigableMap<String, ChangeEvent> known = held.eventsOf(txId);
    return known != null && known.containsKey(key);
  }

  /**
   * Handles {@code e} of transaction {@code txId}, not held, if it came after the transaction's release (asked only
   * then: once per transaction, off the path of every change of a held one). Returns whether it did.
   */
  private boolean afterItsRelease(final Record<String, ChangeEvent> record, final ChangeEvent e, final String txId) {
    if (e.getOp() == ChangeOp.COMMIT) {
      if (!released.marker(txId, record.timestamp())) {
        return false;
      }
      // a marker of a transaction released whole already: the restarted capture marking it again in topics the first
      // markers did not count. Held, it would wait out the timeout with nothing in it, and then warn
      LOG.debug("dropped a repeated commit marker of released transaction {}", txId);
      return true;
    }
    final ReleasedTransactions.Repeat repeat = released.change(txId, e.getSource().getTsMs(), record.timestamp());
    if (repeat == ReleasedTransactions.Repeat.NONE) {
      return false;
    }
    if (repeat == ReleasedTransactions.Repeat.OF_WHOLE) {
      // sent again by a capture that restarted before it stored its position past the transaction
      LOG.debug("dropped a redelivered {} change of released transaction {}", ApplyOrder.table(e), txId);
      redeliveries.record();
      return true;
    }
    // the late part of a transaction given up on: on at once. Held, it would wait for markers that came before it
    // (dropped above as repeats) and time out once more, or never, where no input follows
    if (released.firstLate(txId)) {
      LOG.warn("a {} change of source transaction {} arrived after the transaction was released incomplete; it "
          + "and the rest of the transaction's late changes are passed on alone", ApplyOrder.table(e), txId);
    }
    context.forward(record.withKey(order.headerKey(e)).withValue(order.single(e)));
    return true;
  }

  /**
   * A change of a group that was refused whole, replayed: held like a transaction's events until all
   * {@code size} changes of the group are back, then released as one group, so that it applies together.
   */
  private void holdReplayed(final Record<String, ChangeEvent> record, final ChangeEvent e, final String group,
      final int size) {
    final String id = REPLAY + group;
    PendingTransaction tx = held.get(id);
    if (tx == null) {
      tx = new PendingTransaction(id, new ArrayList<>(), 0, -1L, 0, time.since(context.taskId(),
          e.getSource().getTsMs()));
      held.started(tx);
      heldNow.record(held.size());
    }
    final String key = eventKey(id, e);
    if (events.get(key) == null) {
      events.put(key, e);
      held.added(id, key, e);
      tx.setEvents(tx.getEvents() + 1);
    }
    if (tx.getEvents() >= size) {
      release(tx, record);
    } else {
      pending.put(id, tx);
    }
  }

  private void release(final PendingTransaction tx, final Record<String, ChangeEvent> trigger) {
    if (tx.getEvents() > LARGE) {
      final long started = System.nanoTime();
      final LargeRelease.Read read = large.collapse(tx.getTxId());
      if (!markReleased(tx, trigger, read.changes(), read.latestSourceMs())) {
        large.drop(tx.getTxId());
        return;
      }
      final long[] groups = {0};
      large.forward(tx.getTxId(), tx.getCommitLsn() >= 0 ? tx.getCommitLsn() : read.maxLsn(), g -> {
        groups[0]++;
        context.forward(new Record<>(g.getHeaderKey(), g, trigger.timestamp()));
      });
      LOG.info("released source transaction {}: {} changes in {} groups, through the store as it holds more than {} "
          + "({} ms)", tx.getTxId(), read.changes(), groups[0], LARGE, (System.nanoTime() - started) / 1_000_000);
      return;
    }
    final List<ChangeEvent> changes = new ArrayList<>(tx.getEvents());
    final NavigableMap<String, ChangeEvent> inMemory = held.eventsOf(tx.getTxId());
    final List<String> keys;
    if (inMemory != null) {
      keys = new ArrayList<>(inMemory.keySet());
      for (final Map.Entry<String, ChangeEvent> kv : inMemory.entrySet()) {
        final ChangeEvent e = kv.getValue() != null ? kv.getValue() : events.get(kv.getKey());
        if (e != null) {
          changes.add(e);
        }
      }
    } else {
      keys = new ArrayList<>(tx.getEvents());
      try (KeyValueIterator<String, ChangeEvent> it = events.prefixScan(tx.getTxId() + "/", KEYS)) {
        while (it.hasNext()) {
          final KeyValue<String, ChangeEvent> kv = it.next();
          keys.add(kv.key);
          changes.add(kv.value);
        }
      }
    }
    keys.forEach(events::delete);
    if (!markReleased(tx, trigger, changes.size(), latestSourceTime(changes))) {
      return;
    }
    final long commitLsn = tx.getCommitLsn() >= 0 ? tx.getCommitLsn()
        : changes.stream().mapToLong(c -> c.getSource().getLsn()).max().orElse(0L);
    for (final ChangeGroup g : order.groups(tx.getTxId(), commitLsn, changes)) {
      context.forward(new Record<>(g.getHeaderKey(), g, trigger.timestamp()));
    }
  }

  /**
   * {@code tx}, whose {@code changes} changes (the newest of them made at {@code latestSourceMs}) have left the
   * events store, is held no more and is known as released; returns whether its groups are to be passed on: not
   * when Ferry's own sink wrote it (every commit marker of such a transaction says so, the last one too), which is
   * never sent back where it came from.
   */
  private boolean markReleased(final PendingTransaction tx, final Record<String, ChangeEvent> trigger, final long changes,
      final long latestSourceMs) {
    pending.delete(tx.getTxId());
    held.released(tx.getTxId());
    if (!tx.getTxId().startsWith(REPLAY)) {
      released.released(tx.getTxId(), latestSourceMs, trigger.value() == null, trigger.timestamp());
    }
    heldNow.record(held.size());
    if (isEcho(trigger)) {
      echoes.record(changes);
      LOG.debug("dropped transaction {} ({} changes): written by Ferry's sink", tx.getTxId(), changes);
      return false;
    }
    return true;
  }

  private void releaseTimedOut(final long now) {
    if (time.now(context.taskId()) == StreamTime.UNKNOWN) {
      return;
    }
    final List<PendingTransaction> expired =
        held.firstSeen(since -> time.hasPassed(context.taskId(), since, timeout));
    for (final PendingTransaction tx : expired) {
      if (tx.getEvents() == 0) {
        // commit markers alone: repeats of a transaction released before this start (the deduplication passes
        // markers), or the ends of one whose every change went to tables this processor does not map
        LOG.debug("source transaction {}: {} of {} commit markers and no events after {} of input time; dropped",
            tx.getTxId(), tx.getMarkerTopics().size(), tx.getExpectedMarkers(), timeout);
      } else {
        LOG.warn("source transaction {} incomplete after {} of input time ({} of {} commit markers, {} events); "
            + "releasing it as is", tx.getTxId(), timeout, tx.getMarkerTopics().size(), tx.getExpectedMarkers(),
            tx.getEvents());
      }
      release(tx, new Record<>(tx.getTxId(), null, now));
    }
  }

  /** The latest source time the changes of a transaction carry (a redelivery carries them again); 0 for none. */
  private static long latestSourceTime(final List<ChangeEvent> changes) {
    long ts = 0;
    for (final ChangeEvent c : changes) {
      ts = Math.max(ts, c.getSource().getTsMs());
    }
    return ts;
  }

  /** Whether the marker that completed a transaction says a Ferry sink wrote it (a timed-out release cannot tell). */
  private static boolean isEcho(final Record<String, ChangeEvent> trigger) {
    final ChangeEvent e = trigger.value();
    return e != null && e.getOp() == ChangeOp.COMMIT && e.getCommit() != null && e.getCommit().getEcho();
  }

  /** Events of one transaction sort together, in source order ({@code total_order}, else log position). */
  static String eventKey(final String txId, final ChangeEvent e) {
    final Long order = e.getSource().getTxOrder();
    return StoreKeys.numbered(txId, order != null ? order : e.getSource().getLsn());
  }

}
