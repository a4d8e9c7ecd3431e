package dev.ferry.processor.ordering;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A persistent, changelogged key-value store for entries that mostly live shorter than one commit interval:
 * the events and progress of a source transaction being collected, put when they arrive and deleted when the
 * transaction is released, a few milliseconds later; details held for a header that arrives right behind them.
 *
 * <p>Writes are held in memory until the task commits ({@link CommitBufferedStore}): an entry put and deleted
 * between two commits costs neither a RocksDB write nor a changelog record, where it would cost four (put and
 * delete, each in RocksDB and in the changelog), nor its serialization; an entry still there at a commit is
 * written with it, before the commit's Kafka transaction ends, so what a restore rebuilds is exactly the state as
 * of the committed offsets. In streaming most transactions are complete within one commit interval, and these
 * stores wrote most of the processor's changelog records (docs/benchmarks.md, session 16).
 *
 * <p>Why not Kafka Streams' record cache, which did this until session 30: it keeps serialized bytes in a sorted
 * map per store, so every put was serialized and sorted in (both look in RocksDB for each deleted key at the
 * flush, to leave out the deletes of keys it never held); with a transaction's state written again at each of its
 * events, the cache and the stores' serde were a third of the processor's CPU at 10,000 rows/s (a Flight Recorder
 * profile, docs/benchmarks.md, session 29). And it takes the drop of a put-and-deleted entry only with a flush
 * listener, which the Processor API cannot set.
 */
public final class ShortLivedStore<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
  private final StoreBuilder<KeyValueStore<K, V>> inner;
  private boolean buffered = true;

  private ShortLivedStore(final StoreBuilder<KeyValueStore<K, V>> inner) {
    this.inner = inner;
  }

  /** A builder of the store {@code name}, RocksDB-backed, changelogged and buffered until each commit as above. */
  public static <K, V> StoreBuilder<KeyValueStore<K, V>> builder(final String name, final Serde<K> keys,
      final Serde<V> values) {
    return new ShortLivedStore<>(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values)
        .withCachingDisabled());
  }

  @Override
  public KeyValueStore<K, V> build() {
    final KeyValueStore<K, V> store = inner.build();
    return buffered ? new CommitBufferedStore<>(store) : store;
  }

  @Override
  public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
    buffered = true;
    return this;
  }

  /**
   * Kafka Streams takes every store's cache away when {@code statestore.cache.max.bytes} is 0: written through,
   * as the setting asks.
   */
  @Override
  public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
    buffered = false;
    return this;
  }

  @Override
  public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(final Map<String, String> config) {
    inner.withLoggingEnabled(config);
    return this;
  }

  @Override
  public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
    inner.withLoggingDisabled();
    return this;
  }

  @Override
  public Map<String, String> logConfig() {
    return inner.logConfig();
  }

  @Override
  public boolean loggingEnabled() {
    return inner.loggingEnabled();
  }

  @Override
  public String name() {
    return inner.name();
  }
}
