package dev.ferry.processor.ordering;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store's writes held in memory, as the objects put, until the task commits; then the entries still
 * there are written to the store below (changelogged, RocksDB), and the deletes of entries that store holds.
 * An entry put and deleted between two commits costs a map entry: no serialization, no RocksDB write, no
 * changelog record. See {@link ShortLivedStore} for why and where.
 *
 * <p>The write happens in Kafka Streams' flush of its caches, which comes before the commit's Kafka transaction
 * ends (the store is a {@link CachedStateStore} for that reason; the interface is Kafka Streams' internal one, and
 * {@code ShortLivedStoreTest} fails first should a version change it). So what a restore rebuilds is exactly the
 * state as of the committed offsets, as with Kafka Streams' own record cache. A task closed without a commit
 * ({@link #clearCache()}, {@link #close()}) drops what it held.
 *
 * <p>Contracts beyond {@link KeyValueStore}'s: a value is kept by reference until the commit, so a caller that
 * changes a value after putting it must put it again before its record's processing ends (the transaction
 * assembler does), and must not change a value it got unless it puts it again. At most {@value #MAX_HELD} entries
 * are held; past that, and before any range read or scan, they are written below first (allowed at any time: it
 * is what Kafka's cache does when full). Used by one stream thread only, as every store.
 */
final class CommitBufferedStore<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {
  static final int MAX_HELD = 5_000;
  private static final Object DELETED = new Object();

  private final KeyValueStore<K, V> below;
  /** Per key written since the last commit: its value, or {@link #DELETED}. */
  private final Map<K, Object> held = new LinkedHashMap<>();

  CommitBufferedStore(final KeyValueStore<K, V> below) {
    this.below = below;
  }

  @Override
  public void put(final K key, final V value) {
    if (value == null) {
      delete(key);
      return;
    }
    hold(key, value);
  }

  @Override
  public V putIfAbsent(final K key, final V value) {
    final V old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public void putAll(final List<KeyValue<K, V>> entries) {
    entries.forEach(kv -> put(kv.key, kv.value));
  }

  @Override
  public V delete(final K key) {
    final V old = get(key);
    hold(key, DELETED);
    return old;
  }

  /** Holds {@code value} (or {@link #DELETED}) for {@code key}; past the maximum, everything held goes below. */
  private void hold(final K key, final Object value) {
    held.put(key, value);
    if (held.size() > MAX_HELD) {
      writeBelow();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(final K key) {
    final Object v = held.get(key);
    if (v == null) {
      return below.get(key);
    }
    return v == DELETED ? null : (V) v;
  }

  @Override
  public KeyValueIterator<K, V> range(final K from, final K to) {
    writeBelow();
    return below.range(from, to);
  }

  @Override
  public KeyValueIterator<K, V> reverseRange(final K from, final K to) {
    writeBelow();
    return below.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<K, V> all() {
    writeBelow();
    return below.all();
  }

  @Override
  public KeyValueIterator<K, V> reverseAll() {
    writeBelow();
    return below.reverseAll();
  }

  @Override
  public <S extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(final P prefix, final S prefixSerializer) {
    writeBelow();
    return below.prefixScan(prefix, prefixSerializer);
  }

  @Override
  public long approximateNumEntries() {
    return below.approximateNumEntries() + held.size();
  }

  /**
   * Writes what is held to the store below: each value, and each delete of a key that store holds (a key put and
   * deleted since the last commit never reached it, and its delete would only be a changelog record).
   */
  @SuppressWarnings("unchecked")
  private void writeBelow() {
    if (held.isEmpty()) {
      return;
    }
    for (final Map.Entry<K, Object> e : held.entrySet()) {
      if (e.getValue() != DELETED) {
        below.put(e.getKey(), (V) e.getValue());
      } else if (below.get(e.getKey()) != null) {
        below.delete(e.getKey());
      }
    }
    held.clear();
  }

  /** Kafka Streams' flush of its caches before a commit: what is held goes into the commit. */
  @Override
  public void flushCache() {
    writeBelow();
    if (below instanceof CachedStateStore<?, ?> cached) {
      cached.flushCache();
    }
  }

  /** A task closed dirty (its uncommitted work aborted): what is held was never committed and is dropped. */
  @Override
  public void clearCache() {
    held.clear();
    if (below instanceof CachedStateStore<?, ?> cached) {
      cached.clearCache();
    }
  }

  /** No listener: this store forwards nothing downstream. */
  @Override
  public boolean setFlushListener(final CacheFlushListener<K, V> listener, final boolean sendOldValues) {
    return false;
  }

  @Override
  public String name() {
    return below.name();
  }

  @Override
  public void init(final StateStoreContext context, final StateStore root) {
    held.clear();
    below.init(context, root);
  }

  @Override
  @SuppressWarnings("deprecation")
  public void flush() {
    below.flush();
  }

  @Override
  public void commit(final Map<TopicPartition, Long> changelogOffsets) {
    below.commit(changelogOffsets);
  }

  @Override
  public Long committedOffset(final TopicPartition partition) {
    return below.committedOffset(partition);
  }

  @Override
  public boolean managesOffsets() {
    return below.managesOffsets();
  }

  @Override
  public void close() {
    held.clear();
    below.close();
  }

  @Override
  public boolean persistent() {
    return below.persistent();
  }

  @Override
  public boolean isOpen() {
    return below.isOpen();
  }

  @Override
  public <R> QueryResult<R> query(final Query<R> query, final PositionBound bound, final QueryConfig config) {
    return below.query(query, bound, config);
  }

  @Override
  public Position getPosition() {
    return below.getPosition();
  }
}
