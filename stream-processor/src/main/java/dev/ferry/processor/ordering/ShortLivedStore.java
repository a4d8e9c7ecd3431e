package dev.ferry.processor.ordering;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A persistent, changelogged key-value store for entries that mostly live shorter than one commit interval:
 * the events and progress of a source transaction being collected, put when they arrive and deleted when the
 * transaction is released, a few milliseconds later; details held for a header that arrives right behind them.
 *
 * <p>Kafka Streams' record cache sits in front of RocksDB and holds writes until the task commits; the cache
 * is told to drop, at that flush, a delete of a key RocksDB never held. An entry put and deleted between two
 * commits then costs neither a RocksDB write nor a changelog record, where it cost four (put and delete, each
 * in RocksDB and in the changelog); an entry still there at a commit is written with it, before the
 * commit's Kafka transaction ends, so what a restore rebuilds is exactly the state as of the committed
 * offsets. In streaming most transactions are complete within one commit interval, and these two stores
 * wrote most of the processor's changelog records (docs/benchmarks.md, session 16).
 *
 * <p>Why the internals: Kafka Streams has that drop built in ({@code CachingKeyValueStore} skips the write
 * of a delete of a key the store does not hold) but takes it only when the cache has a flush listener,
 * which the DSL's tables set and the Processor API cannot. The cache's own listener is set here to one that
 * does nothing; the rest is Kafka Streams' own code path. Should a Kafka version change that layering,
 * {@link #build()} fails at the processor's start instead of silently writing everything again, and
 * {@code ShortLivedStoreTest} fails first.
 */
public final class ShortLivedStore<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
  private final StoreBuilder<KeyValueStore<K, V>> inner;
  private boolean cached = true;

  private ShortLivedStore(final StoreBuilder<KeyValueStore<K, V>> inner) {
    this.inner = inner;
  }

  /** A builder of the store {@code name}, RocksDB-backed, changelogged and cached as above. */
  public static <K, V> StoreBuilder<KeyValueStore<K, V>> builder(final String name, final Serde<K> keys,
      final Serde<V> values) {
    return new ShortLivedStore<>(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values)
        .withCachingEnabled());
  }

  @Override
  public KeyValueStore<K, V> build() {
    final KeyValueStore<K, V> store = inner.build();
    if (!cached) {
      return store;
    }
    if (!(store instanceof WrappedStateStore<?, ?, ?> metered)
        || !(metered.wrapped() instanceof CachedStateStore<?, ?> cache)) {
      throw new IllegalStateException("store " + name() + ": expected Kafka Streams' cached store layering, found "
          + store.getClass().getName() + "; this Kafka Streams version needs ShortLivedStore changed");
    }
    @SuppressWarnings("unchecked")
    final CachedStateStore<byte[], byte[]> bytes = (CachedStateStore<byte[], byte[]>) cache;
    bytes.setFlushListener(record -> { }, false);
    return store;
  }

  @Override
  public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
    inner.withCachingEnabled();
    cached = true;
    return this;
  }

  /** Kafka Streams takes every store's cache away when {@code statestore.cache.max.bytes} is 0: written through. */
  @Override
  public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
    inner.withCachingDisabled();
    cached = false;
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
