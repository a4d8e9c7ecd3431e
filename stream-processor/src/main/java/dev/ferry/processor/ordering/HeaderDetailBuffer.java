package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.HeaderKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps details behind their header. A group that adds detail rows whose header row does not exist
 * (never seen, or deleted) is held, keyed by the header, and released right after the header arrives,
 * in the order the held groups came in. A group held longer than {@code timeout} of input time
 * ({@link StreamTime}: changes committed that much after the group's have been read) is sent on as an
 * {@link Ordered.Orphan}, for the dead-letter topic. The wall clock never expires one: a header still unread in a
 * backlog, or behind a processor that was stopped, is still coming. Deletes are never held: removing a detail needs no
 * header. When the capture started without a snapshot, headers exist that this processor never saw, and nothing is
 * held ({@code processor.unseen-headers}): the target's foreign keys keep the order then.
 *
 * <pre>
 *   time  in (groups)                                  out
 *   t1    order_details 10300|11 CREATE (snapshot)    -                     (held: no order 10300)
 *   t2    order_details 10300|42 CREATE (snapshot)    -                     (held)
 *   t3    orders 10300 CREATE (snapshot)               orders 10300, then line 11, then line 42
 *   t4    order_details 10300|11 UPDATE                line 11 update        (header known)
 *   t5    orders 10300 DELETE + its lines              lines, then order     (header forgotten)
 *   t6    order_details 10300|11 CREATE                -                     (held: order deleted)
 *   t6+timeout                                         Orphan(line 11)       (dead letter)
 * </pre>
 *
 * <p>Bounded: the held groups expire after {@code timeout}; beyond {@code maxHeld} held changes the
 * longest-waiting groups are sent on as orphans at once. The header index holds one small entry per
 * existing header row.
 */
public final class HeaderDetailBuffer implements Processor<String, ChangeGroup, String, Ordered> {
  private final HeaderKeys headerKeys;
  private final Duration timeout;
  private final int maxHeld;
  private final boolean waitForUnseen;
  private final StreamTime time;
  private ProcessorContext<String, Ordered> context;
  private KeyValueStore<String, Long> headers;
  private KeyValueStore<String, ChangeGroup> orphans;
  private long held;
  /**
   * The held groups' store keys per header ({@link #indexKey}), in arrival order: a header's release reads its
   * groups by key instead of a prefix scan of the store, which walked over every held group released and not yet
   * compacted away, for every header row while anything was held (lines of a snapshot often arrive before their
   * order: docs/benchmarks.md, session 16). Bounded as the held groups are; rebuilt from the store at init.
   */
  private final Map<String, List<String>> waiting = new HashMap<>();
  /** {@link #held}, as a metric ({@link HeldMetrics#DETAILS}). */
  private org.apache.kafka.common.metrics.Sensor heldNow;
  private long sequence;

  /**
   * @param waitForUnseen whether a group under a header this processor has never seen waits for it; false when
   *     the capture started without a snapshot, so that the headers exist in the target but were never seen here
   *     ({@code processor.unseen-headers})
   */
  public HeaderDetailBuffer(final HeaderKeys headerKeys, final Duration timeout, final int maxHeld,
      final boolean waitForUnseen, final StreamTime time) {
    this.headerKeys = headerKeys;
    this.timeout = timeout;
    this.maxHeld = maxHeld;
    this.waitForUnseen = waitForUnseen;
    this.time = time;
  }

  @Override
  public void init(final ProcessorContext<String, Ordered> context) {
    this.context = context;
    this.headers = context.getStateStore(ProcessorStores.HEADERS);
    this.orphans = context.getStateStore(ProcessorStores.ORPHANS);
    // counted afresh: a task revived after an aborted commit is initialised again, its store restored
    held = 0;
    sequence = 0;
    waiting.clear();
    try (KeyValueIterator<String, ChangeGroup> it = orphans.all()) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeGroup> kv = it.next();
        held += kv.value.getChanges().size();
        sequence = Math.max(sequence, StoreKeys.number(kv.key) + 1);
        waiting.computeIfAbsent(StoreKeys.prefix(kv.key), k -> new ArrayList<>()).add(kv.key);
      }
    }
    heldNow = HeldMetrics.details(context);
    heldNow.record(held);
    final Duration every = timeout.dividedBy(4).compareTo(Duration.ofSeconds(5)) < 0
        ? timeout.dividedBy(4) : Duration.ofSeconds(5);
    // the wall clock only says how often to look; whether a group waited too long is counted in input time
    context.schedule(every.isZero() ? Duration.ofMillis(100) : every, PunctuationType.WALL_CLOCK_TIME,
        this::expire);
  }

  @Override
  public void process(final Record<String, ChangeGroup> record) {
    final ChangeGroup group = record.value();
    if (ApplyOrder.isSnapshotEnd(group)) {
      context.forward(record.withValue((Ordered) new Ordered.Ready(group)));
      return;
    }
    final String parent = group.getHeaderTable();
    if (waitForUnseen && parent != null && writesDetails(group) && !writesHeader(group, parent)
        && headers.get(indexKey(parent, group.getHeaderKey())) == null) {
      hold(group);
      return;
    }
    pass(record.withValue(group));
  }

  private void pass(final Record<String, ChangeGroup> record) {
    final ChangeGroup group = record.value();
    context.forward(record.withValue((Ordered) new Ordered.Ready(group)));
    for (final ChangeEvent e : group.getChanges()) {
      final String table = ApplyOrder.table(e);
      if (!headerKeys.isHeader(table)) {
        continue;
      }
      final String key = indexKey(table, group.getHeaderKey());
      if (e.getOp() == ChangeOp.DELETE) {
        headers.delete(key);
      } else {
        headers.put(key, e.getSource().getLsn());
        releaseHeldFor(key, record);
      }
    }
  }

  private void hold(final ChangeGroup group) {
    long since = 0;
    for (final ChangeEvent e : group.getChanges()) {
      since = Math.max(since, e.getSource().getTsMs());
    }
    group.setHeldSinceMs(time.since(context.taskId(), since));
    final String index = indexKey(group.getHeaderTable(), group.getHeaderKey());
    final String key = StoreKeys.numbered(index, sequence++);
    orphans.put(key, group);
    waiting.computeIfAbsent(index, k -> new ArrayList<>()).add(key);
    held += group.getChanges().size();
    heldNow.record(held);
    while (held > maxHeld) {
      final KeyValue<String, ChangeGroup> oldest = oldestHeld();
      if (oldest == null) {
        break;
      }
      sendOrphan(oldest, "the buffer of details waiting for their header is full (processor.orphan-buffer-max = "
          + maxHeld + "); the longest-waiting are dead-lettered first");
    }
  }

  private void releaseHeldFor(final String indexKey, final Record<String, ChangeGroup> trigger) {
    final List<String> keys = waiting.remove(indexKey);
    if (keys == null) {
      return;
    }
    for (final String key : keys) {
      final ChangeGroup group = orphans.get(key);
      if (group == null) {
        continue;
      }
      orphans.delete(key);
      held -= group.getChanges().size();
      heldNow.record(held);
      pass(trigger.withKey(group.getHeaderKey()).withValue(group));
    }
  }

  private void expire(final long now) {
    if (held == 0) {
      return;
    }
    final List<KeyValue<String, ChangeGroup>> expired = new ArrayList<>();
    try (KeyValueIterator<String, ChangeGroup> it = orphans.all()) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeGroup> kv = it.next();
        if (time.hasPassed(context.taskId(), kv.value.getHeldSinceMs(), timeout)) {
          expired.add(kv);
        }
      }
    }
    for (final KeyValue<String, ChangeGroup> kv : expired) {
      sendOrphan(kv, "no " + kv.value.getHeaderTable() + " row with key " + kv.value.getHeaderKey()
          + " arrived within " + timeout.toString().substring(2).toLowerCase(Locale.ROOT)
          + " of input time (processor.orphan-timeout: changes committed that much later have been read)");
    }
  }

  private KeyValue<String, ChangeGroup> oldestHeld() {
    KeyValue<String, ChangeGroup> oldest = null;
    try (KeyValueIterator<String, ChangeGroup> it = orphans.all()) {
      while (it.hasNext()) {
        final KeyValue<String, ChangeGroup> kv = it.next();
        if (oldest == null || kv.value.getHeldSinceMs() < oldest.value.getHeldSinceMs()
            || kv.value.getHeldSinceMs() == oldest.value.getHeldSinceMs() && StoreKeys.number(kv.key) < StoreKeys.number(oldest.key)) {
          oldest = kv;
        }
      }
    }
    return oldest;
  }

  private void sendOrphan(final KeyValue<String, ChangeGroup> kv, final String reason) {
    orphans.delete(kv.key);
    final String index = StoreKeys.prefix(kv.key);
    final List<String> keys = waiting.get(index);
    if (keys != null && keys.remove(kv.key) && keys.isEmpty()) {
      waiting.remove(index);
    }
    held -= kv.value.getChanges().size();
    heldNow.record(held);
    context.forward(new Record<>(kv.value.getHeaderKey(), (Ordered) new Ordered.Orphan(kv.value, reason),
        context.currentSystemTimeMs()));
  }

  /**
   * Whether the group adds detail rows (an insert, or a snapshot row): only those can come before their header.
   * An update of a detail says the detail, and so its header, exists already; holding it for a header this
   * processor never saw (it started with {@code snapshot-mode: no-data}, or its index was lost) would only
   * dead-letter it as an orphan.
   */
  private boolean writesDetails(final ChangeGroup group) {
    return group.getChanges().stream()
        .anyMatch(e -> (e.getOp() == ChangeOp.CREATE || e.getOp() == ChangeOp.READ)
            && headerKeys.relationOf(ApplyOrder.table(e)) != null);
  }

  private static boolean writesHeader(final ChangeGroup group, final String parent) {
    return group.getChanges().stream()
        .anyMatch(e -> e.getOp() != ChangeOp.DELETE && ApplyOrder.table(e).equals(parent));
  }

  private static String indexKey(final String table, final String headerKey) {
    return table + "|" + headerKey;
  }
}
