package dev.ferry.processor;

import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.ordering.ApplyOrder;
import dev.ferry.processor.ordering.Deduplicator;
import dev.ferry.processor.ordering.HeaderDetailBuffer;
import dev.ferry.processor.ordering.ProcessorStores;
import dev.ferry.processor.ordering.ShortLivedStore;
import dev.ferry.processor.ordering.StreamTime;
import dev.ferry.processor.ordering.TransactionAssembler;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.PendingTransaction;
import dev.ferry.schemas.StoreSerde;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The stream processor's topology, a pure function of its configuration. One sub-topology: the CDC
 * topics are keyed by header key and have equal partition counts, so partition <i>n</i> of every CDC
 * topic is processed by one task, which sees an order and all its lines.
 *
 * <pre>
 *   &lt;prefix&gt;.cdc.&lt;schema&gt;.&lt;table&gt; (every captured table)
 *     -&gt; decode                 unreadable -&gt; dead letter (READ); rows of unmapped tables dropped
 *     -&gt; dedup                  redeliveries of changes outside a transaction dropped
 *     -&gt; transactions           events held until their source transaction is complete, then grouped by header;
 *                                redelivered transactions dropped
 *     -&gt; header-detail          groups whose header is missing held; too long -&gt; dead letter (ORDER)
 *     -&gt; map                    rows renamed and converted; failures -&gt; dead letter (MAP)
 *     -&gt; &lt;prefix&gt;.apply        rows keyed by header key, numbered within their group
 *     -&gt; &lt;prefix&gt;.dead-letter
 * </pre>
 */
public final class ProcessorTopology {
  static final String SOURCE = "cdc";
  static final String DECODE = "decode";
  static final String DEDUP = "dedup";
  static final String TRANSACTIONS = "transactions";
  static final String HEADER_DETAIL = "header-detail";
  static final String MAP = "map";
  static final String APPLY_SINK = "apply";
  static final String SWEEP_SINK = "apply-snapshot-ends";
  static final String DEAD_LETTER_SINK = "dead-letter";

  private ProcessorTopology() {
  }

  /** The topology of {@code config}, its mapping's outcomes counted nowhere (tests that do not look at them). */
  public static Topology build(final ProcessorConfig config, final FerryTopics topics) {
    return build(config, topics, new MappingCounts(config.applicationId()));
  }

  /** The topology of {@code config}; {@code counts} is told each row's mapping outcome. */
  public static Topology build(final ProcessorConfig config, final FerryTopics topics, final MappingCounts counts) {
    final Set<String> mapped = config.mapping().sourceTables().stream().map(t -> topics.cdc(t).name())
        .collect(Collectors.toSet());
    final HeaderKeys headerKeys = new HeaderKeys(config.kafka().relations());
    final ApplyOrder order = new ApplyOrder(headerKeys);
    final RowMapper mapper = new RowMapper(config.mapping());
    final String version = config.mapping().version();
    final StreamTime time = new StreamTime();
    final java.util.Map<String, String> sweepable = GroupMapping.sweepable(config.mapping());
    final StoreSerde<ChangeEvent> changeSerde = new StoreSerde<>(ChangeEvent.getClassSchema());

    final Topology t = new Topology();
    // the reset policy named on the source, not only in the consumer's config: Kafka Streams then runs its consumer
    // without one and moves a partition itself, so that a position Kafka deleted reaches the processor's consumer as
    // an error first (ProcessorClients), instead of the consumer moving on without a word
    t.addSource(AutoOffsetReset.earliest(), SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
        topics.cdcTopics());
    t.addProcessor(DECODE, () -> new ChangeDecoder(topics.changeSerde(), version, mapped), SOURCE);
    t.addProcessor(DEDUP, () -> new Deduplicator(config.dedupRetention()), DECODE);
    t.addProcessor(TRANSACTIONS, () -> new TransactionAssembler(order, config.transactionTimeout(),
        config.dedupRetention(), time), DEDUP);
    t.addProcessor(HEADER_DETAIL, () -> new HeaderDetailBuffer(headerKeys, config.orphanTimeout(),
        config.orphanBufferMax(), config.waitForUnseenHeaders(), time), TRANSACTIONS);
    t.addProcessor(MAP, () -> new GroupMapper(mapper, topics, config.mapping(), sweepable, counts), HEADER_DETAIL);
    t.addSink(APPLY_SINK, topics.apply().name(), new StringSerializer(), topics.apply().valueSerde().serializer(), MAP);
    // the end of a snapshot goes to every apply partition; a sink node of its own, so that rows are partitioned as
    // before, by Kafka's default partitioner, without a partitioner call per row
    t.addSink(SWEEP_SINK, topics.apply().name(), new StringSerializer(), topics.apply().valueSerde().serializer(),
        new SweepToEveryPartition(), MAP);
    t.addSink(DEAD_LETTER_SINK, topics.deadLetter().name(), new StringSerializer(),
        topics.deadLetter().valueSerde().serializer(), DECODE, MAP);

    final Duration retention = config.dedupRetention();
    t.addStateStore(Stores.windowStoreBuilder(
        Stores.persistentWindowStore(ProcessorStores.DEDUP, retention, retention, false),
        Serdes.String(), Serdes.Long()), DEDUP, TRANSACTIONS);
    t.addStateStore(ShortLivedStore.builder(ProcessorStores.TX_EVENTS, Serdes.String(), changeSerde), TRANSACTIONS);
    // scratch space of a release too large for memory (LargeRelease): no changelog, no cache
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProcessorStores.TX_RELEASE),
        Serdes.String(), changeSerde).withLoggingDisabled().withCachingDisabled(), TRANSACTIONS);
    t.addStateStore(ShortLivedStore.builder(ProcessorStores.TX_STATE, Serdes.String(),
        new StoreSerde<PendingTransaction>(PendingTransaction.getClassSchema())), TRANSACTIONS);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProcessorStores.HEADERS),
        Serdes.String(), Serdes.Long()), HEADER_DETAIL);
    // details held for their header mostly for milliseconds (lines of a snapshot read ahead of their orders)
    t.addStateStore(ShortLivedStore.builder(ProcessorStores.ORPHANS, Serdes.String(),
        new StoreSerde<ChangeGroup>(ChangeGroup.getClassSchema())), HEADER_DETAIL);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProcessorStores.NATURAL_KEYS),
        Serdes.String(), Serdes.String()), MAP);
    return t;
  }
}
