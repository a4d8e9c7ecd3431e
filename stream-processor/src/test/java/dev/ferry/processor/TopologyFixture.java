package dev.ferry.processor;

import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.CommitMarker;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.InMemorySchemaRegistry;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.Relation;
import dev.ferry.schemas.SourcePosition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The processor topology in a {@link TopologyTestDriver}, with Northwind-shaped orders and lines, and
 * helpers that write change events as the connector does (keyed by header key, commit markers after a
 * transaction's events). Outputs are read as compact strings: {@code sales_order 10248 UPSERT v500 [g 771/10248 0/3]}.
 */
final class TopologyFixture implements AutoCloseable {
  static final String MAPPING = """
      version: "t1"
      tables:
        - source: public.orders
          target: sales_order
          fields:
            id: order_id
            freight: {from: freight, type: decimal, scale: 2}
        - source: public.order_details
          target: sales_order_line
          fields:
            order_id: order_id
            product_id: product_id
            quantity: {from: quantity, type: integer}
          rules:
            - {id: quantity-positive, field: quantity, min: 1}
            - {id: quantity-usual, field: quantity, max: 1000, severity: warning, assume: "a bulk order"}
        - source: public.customers
          target: customer
          fields:
            code: customer_id
      """;
  static final Relation LINES = Relation.parse("public.order_details(order_id) -> public.orders(order_id)");

  final FerryTopics topics = new FerryTopics("t", new InMemorySchemaRegistry());
  final TopologyTestDriver driver;
  final TestInputTopic<String, byte[]> orders;
  final TestInputTopic<String, byte[]> lines;
  final TestInputTopic<String, byte[]> customers;
  final TestOutputTopic<String, ApplyRecord> apply;
  final TestOutputTopic<String, DeadLetter> deadLetters;
  /** What the mapping did with each row, as the processor's meters count it. */
  final MappingCounts counts = new MappingCounts("app");
  private final HeaderKeys headerKeys = new HeaderKeys(List.of(LINES));
  private final Path stateDir;
  /** The source commit time {@link #send} and {@link #commit} stamp on what they write, epoch ms. */
  private long sourceTimeMs = 1_700_000_000_000L;

  TopologyFixture(final Duration orphanTimeout, final int orphanMax, final Duration transactionTimeout) {
    this(orphanTimeout, orphanMax, transactionTimeout, true);
  }

  TopologyFixture(final Duration orphanTimeout, final int orphanMax, final Duration transactionTimeout,
      final boolean waitForUnseenHeaders) {
    this(orphanTimeout, orphanMax, transactionTimeout, waitForUnseenHeaders, MappingFile.parse(MAPPING, "m.yaml"));
  }

  /**
   * A processor's configuration for tests of the service around the topology (its name, its Kafka Streams
   * properties): {@link #MAPPING}, exactly once, default timeouts.
   */
  static ProcessorConfig serviceConfig(final KafkaSettings kafka, final Path stateDir) {
    return new ProcessorConfig(kafka, "app", stateDir, MappingFile.parse(MAPPING, "m.yaml"),
        ProcessingGuarantee.EXACTLY_ONCE, Duration.ofMillis(100), 1, Duration.ofHours(1), Duration.ofMinutes(1), 1000,
        Duration.ofMinutes(10), true, dev.ferry.schemas.LiveDirection.Settings.DEFAULT);
  }

  /** With {@code mapping} instead of {@link #MAPPING}. */
  TopologyFixture(final dev.ferry.processor.mapping.Mapping mapping) {
    this(Duration.ofMinutes(10), 100_000, Duration.ofMinutes(10), true, mapping);
  }

  TopologyFixture(final Duration orphanTimeout, final int orphanMax, final Duration transactionTimeout,
      final boolean waitForUnseenHeaders, final dev.ferry.processor.mapping.Mapping mapping) {
    final ProcessorConfig config = new ProcessorConfig(
        new KafkaSettings("k:9092", "http://r", "t", 1, (short) 1, List.of(LINES)), "app", Path.of("unused"),
        mapping, ProcessingGuarantee.EXACTLY_ONCE, Duration.ofMillis(100), 1,
        Duration.ofHours(1), orphanTimeout, orphanMax, transactionTimeout, waitForUnseenHeaders,
        dev.ferry.schemas.LiveDirection.Settings.DEFAULT);
    final Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    // a state directory of its own: two test runs on one machine must not share Kafka Streams' default one
    try {
      stateDir = java.nio.file.Files.createTempDirectory("ferry-topology-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(ProcessorTopology.build(config, topics, counts), props);
    orders = input("public.orders");
    lines = input("public.order_details");
    customers = input("public.customers");
    apply = driver.createOutputTopic(topics.apply().name(), new StringDeserializer(),
        topics.apply().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetter().name(), new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer());
  }

  TopologyFixture(final Duration orphanTimeout, final int orphanMax) {
    this(orphanTimeout, orphanMax, Duration.ofMinutes(10));
  }

  TopologyFixture() {
    this(Duration.ofMinutes(10), 100_000);
  }

  /** Later writes carry a source commit time {@code d} later: the processor's input time advances. */
  void sourceTimePasses(final Duration d) {
    sourceTimeMs += d.toMillis();
  }

  private TestInputTopic<String, byte[]> input(final String table) {
    return driver.createInputTopic(topics.cdc(table).name(), new StringSerializer(), new ByteArraySerializer());
  }

  static ChangeEvent change(final String table, final ChangeOp op, final long lsn, final String txId,
      final Long txOrder, final List<ColumnValue> key, final List<ColumnValue> after) {
    return ChangeEvent.newBuilder().setOp(op)
        .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable(table).setLsn(lsn)
            .setTxId(txId).setTxOrder(txOrder).setSnapshot(op == ChangeOp.READ).setTsMs(1L).build())
        .setKey(key).setAfter(op == ChangeOp.DELETE ? null : after)
        .setBefore(op == ChangeOp.DELETE ? key : null).build();
  }

  static ChangeEvent order(final ChangeOp op, final int id, final long lsn, final String txId, final Long txOrder) {
    final List<ColumnValue> key = List.of(Columns.of("order_id", id));
    return change("orders", op, lsn, txId, txOrder, key,
        List.of(Columns.of("order_id", id), Columns.of("freight", 1.5f)));
  }

  static ChangeEvent customer(final ChangeOp op, final String code, final long lsn, final String txId,
      final Long txOrder) {
    final List<ColumnValue> key = List.of(Columns.of("customer_id", code));
    return change("customers", op, lsn, txId, txOrder, key, key);
  }

  /** A row of {@code public.shippers}, a table the mapping leaves out (captured, not mapped). */
  static ChangeEvent shipper(final ChangeOp op, final int id, final long lsn, final String txId, final Long txOrder) {
    final List<ColumnValue> key = List.of(Columns.of("shipper_id", id));
    return change("shippers", op, lsn, txId, txOrder, key, key);
  }

  static ChangeEvent line(final ChangeOp op, final int orderId, final int productId, final Object quantity,
      final long lsn, final String txId, final Long txOrder) {
    final List<ColumnValue> key = List.of(Columns.of("order_id", orderId), Columns.of("product_id", productId));
    return change("order_details", op, lsn, txId, txOrder, key, List.of(Columns.of("order_id", orderId),
        Columns.of("product_id", productId), Columns.of("quantity", quantity)));
  }

  /** Writes {@code e} where the connector would: its table's topic, keyed by header key, at the current source time. */
  void send(final ChangeEvent e) {
    e.getSource().setTsMs(sourceTimeMs);
    final String table = e.getSource().getSchema$() + "." + e.getSource().getTable();
    final String topic = topics.cdc(table).name();
    input(table).pipeInput(headerKeys.of(e), topics.changeSerde().encode(topic, e));
  }

  /** The commit marker of {@code txId} on {@code table}'s topic, for a transaction spanning {@code topics} topics. */
  void commit(final String table, final String txId, final long commitLsn, final int topicsInPartition) {
    commit(table, txId, commitLsn, topicsInPartition, false);
  }

  /** As above; {@code echo}: the transaction carried Ferry's own mark (its sink wrote it). */
  void commit(final String table, final String txId, final long commitLsn, final int topicsInPartition,
      final boolean echo) {
    final String topic = topics.cdc("public." + table).name();
    final ChangeEvent marker = ChangeEvent.newBuilder().setOp(ChangeOp.COMMIT)
        .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("").setTable("").setLsn(commitLsn)
            .setTxId(txId).setSnapshot(false).setTsMs(sourceTimeMs).build())
        .setKey(List.of()).setCommit(new CommitMarker(commitLsn, topicsInPartition, echo)).build();
    input("public." + table).pipeInput("commit:" + txId, topics.changeSerde().encode(topic, marker));
  }

  /** The connector's progress mark in {@code table}'s topic: the partition holds every change up to this source time. */
  void progress(final String table) {
    final String topic = topics.cdc("public." + table).name();
    final ChangeEvent mark = ChangeEvent.newBuilder().setOp(ChangeOp.PROGRESS)
        .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("").setTable("").setLsn(0)
            .setSnapshot(false).setTsMs(sourceTimeMs).build())
        .setKey(List.of()).build();
    input("public." + table).pipeInput("progress", topics.changeSerde().encode(topic, mark));
  }

  /**
   * The end of a snapshot as the connector writes it into {@code table}'s topic: over {@code tables}, at {@code
   * version}, written at {@code writtenAtMs} (wall-clock time, not a source commit time).
   */
  void sweep(final String table, final String id, final List<String> tables, final long version,
      final long writtenAtMs) {
    final String topic = topics.cdc("public." + table).name();
    final ChangeEvent marker = ChangeEvent.newBuilder().setOp(ChangeOp.SWEEP)
        .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("public").setTable(table).setLsn(version)
            .setSnapshot(false).setTsMs(writtenAtMs).build())
        .setKey(List.of()).setSweep(new dev.ferry.schemas.SnapshotSweep(id, tables, version, 0, 1)).build();
    input("public." + table).pipeInput("sweep:" + id, topics.changeSerde().encode(topic, marker));
  }

  /** The source commit time the next writes carry, epoch ms. */
  long sourceTimeMs() {
    return sourceTimeMs;
  }

  /** Everything on the apply topic so far, as compact strings. */
  List<String> applied() {
    final List<String> out = new ArrayList<>();
    for (final KeyValue<String, ApplyRecord> kv : apply.readKeyValuesToList()) {
      final ApplyRecord a = kv.value;
      out.add(a.getTable() + " " + Columns.keyText(a.getKey()) + " " + a.getOp() + " v" + a.getVersion()
          + (a.getGroup() == null ? "" : " [" + a.getGroup() + " " + a.getGroupIndex() + "/" + a.getGroupSize() + "]")
          + " key=" + kv.key);
    }
    return out;
  }

  @Override
  public void close() {
    driver.close();
    try (var paths = java.nio.file.Files.walk(stateDir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
