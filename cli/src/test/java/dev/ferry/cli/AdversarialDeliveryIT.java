package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.PipelineLag;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.CommitMarker;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.sink.TargetSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor and the sink on the real broker, fed change events in the worst order a connector,
 * Kafka and restarts can produce: details before headers, duplicates, a whole transaction replayed
 * after a simulated connector restart, a header's delete sent before its details', and a stale change
 * arriving after a newer one. The target (with its order-line foreign key) must end exactly right, with
 * no dead letter.
 */
class AdversarialDeliveryIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  private FerryTopics topics;
  private KafkaProducer<String, byte[]> producer;

  @Test
  void theTargetEndsExactlyRightWhateverTheDeliveryOrder() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_adversarial");
    // no connector runs here: the reference rows the orders and lines point at are already in the target
    try (Connection target = env.target(); java.sql.Statement s = target.createStatement()) {
      s.execute("INSERT INTO customer (code, company_name, ferry_version) VALUES ('ALFKI', 'Alfreds', 0)");
      s.execute("INSERT INTO product (id, name, discontinued, ferry_version) VALUES (1, 'Chai', 0, 0), "
          + "(2, 'Chang', 0, 0)");
    }
    // the connector this test plays takes Debezium's snapshot: snapshot rows come through the processor, which holds
    // a line whose order it has not seen (with the default direct load it would never see the loaded orders)
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.initial-load", "kafka", "test"),
        java.util.EnumSet.allOf(Role.class), work.resolve("it_adversarial"));
    topics = config.processor().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = stack.kafka().producerProperties();
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    try (StreamProcessor processor = new StreamProcessor(config.processor()).start();
        TargetSink sink = new TargetSink(config.sink()).start(); Connection target = env.target()) {
      // snapshot: lines before their orders, and one line twice
      send(line(ChangeOp.READ, 50001, 1, 5, 100, null, null));
      send(line(ChangeOp.READ, 50001, 2, 6, 100, null, null));
      send(line(ChangeOp.READ, 50002, 1, 7, 100, null, null));
      send(line(ChangeOp.READ, 50001, 2, 6, 100, null, null));
      send(line(ChangeOp.READ, 50002, 2, 8, 100, null, null));
      // the lines go all the way through before their orders exist: held by the processor, not applied
      producer.flush();
      final var processorConfig = config.processor();
      final List<String> cdc = processorConfig.mapping().sourceTables().stream()
          .map(processorConfig.kafka()::cdcTopic).toList();
      try (PipelineLag lag = new PipelineLag(processorConfig.kafka())) {
        await().atMost(Duration.ofMinutes(2)).until(() -> lag.behind(processorConfig.applicationId(), cdc) == 0
            && sink.lag() == 0);
      }
      assertThat(NorthwindRows.actualLines(target)).isEmpty();
      assertThat(sink.failed()).isZero();
      send(order(ChangeOp.READ, 50002, 10f, 100, null, null));
      send(order(ChangeOp.READ, 50001, 11f, 100, null, null));

      // tx 9001 inserts order 50003 with two lines: lines and their marker first, a duplicate, then the order
      final List<Runnable> tx9001 = List.of(
          () -> send(line(ChangeOp.CREATE, 50003, 1, 3, 2010, "9001", 2L)),
          () -> send(line(ChangeOp.CREATE, 50003, 2, 3, 2020, "9001", 3L)),
          () -> commit("order_details", "50003", "9001", 2100, 2),
          () -> send(line(ChangeOp.CREATE, 50003, 1, 3, 2010, "9001", 2L)),
          () -> send(order(ChangeOp.CREATE, 50003, 3f, 2000, "9001", 1L)),
          () -> commit("orders", "50003", "9001", 2100, 2));
      tx9001.forEach(Runnable::run);
      // the connector restarts and replays 9001 whole, then goes on with 9002
      tx9001.forEach(Runnable::run);
      send(order(ChangeOp.UPDATE, 50003, 9f, 3000, "9002", 1L));
      send(line(ChangeOp.UPDATE, 50003, 2, 9, 3010, "9002", 2L));
      send(line(ChangeOp.UPDATE, 50003, 1, 9, 3020, "9002", 3L));
      commit("orders", "50003", "9002", 3100, 2);
      commit("order_details", "50003", "9002", 3100, 2);

      // tx 9003 deletes order 50001 with its lines; the order's delete is sent first
      send(order(ChangeOp.DELETE, 50001, null, 4000, "9003", 1L));
      commit("orders", "50001", "9003", 4100, 2);
      send(line(ChangeOp.DELETE, 50001, 1, null, 4010, "9003", 2L));
      send(line(ChangeOp.DELETE, 50001, 2, null, 4020, "9003", 3L));
      commit("order_details", "50001", "9003", 4100, 2);

      // order 50002 is updated at 7000; a stale change from 6000 arrives afterwards
      send(order(ChangeOp.UPDATE, 50002, 70f, 7000, "9005", 1L));
      commit("orders", "50002", "9005", 7100, 1);
      send(order(ChangeOp.UPDATE, 50002, 60f, 6000, "9004", 1L));
      commit("orders", "50002", "9004", 6100, 1);
      producer.flush();

      final Map<String, List<String>> expectedLines = Map.of(
          "50002|1", List.of("1.50", "7", "0.00"), "50002|2", List.of("1.50", "8", "0.00"),
          "50003|1", List.of("1.50", "9", "0.00"), "50003|2", List.of("1.50", "9", "0.00"));
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(NorthwindRows.actualLines(target)).isEqualTo(expectedLines);
        final var orders = NorthwindRows.actualOrders(target);
        assertThat(orders.keySet()).containsExactly("50002", "50003");
        assertThat(orders.get("50002").get(6)).isEqualTo("70.00");
        assertThat(orders.get("50003").get(6)).isEqualTo("9.00");
      });
      assertThat(sink.failed()).isZero();
    } finally {
      producer.close();
    }
  }

  private static ChangeEvent event(final String table, final ChangeOp op, final long lsn, final String txId,
      final Long txOrder, final List<ColumnValue> key, final List<ColumnValue> after) {
    return ChangeEvent.newBuilder().setOp(op)
        .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable(table).setLsn(lsn)
            .setTxId(txId).setTxOrder(txOrder).setSnapshot(op == ChangeOp.READ).setTsMs(1L).build())
        .setKey(key).setAfter(op == ChangeOp.DELETE ? null : after).setBefore(op == ChangeOp.DELETE ? key : null)
        .build();
  }

  private static ChangeEvent order(final ChangeOp op, final int id, final Float freight, final long lsn,
      final String txId, final Long txOrder) {
    // every column of the table, as Debezium sends a row: one it leaves out is a column the table no longer has
    return event("orders", op, lsn, txId, txOrder, List.of(Columns.of("order_id", id)),
        List.of(Columns.of("order_id", id), Columns.of("customer_id", "ALFKI"), Columns.of("employee_id", null),
            Columns.of("order_date", null), Columns.of("required_date", null), Columns.of("shipped_date", null),
            Columns.of("ship_via", null), Columns.of("freight", freight), Columns.of("ship_name", null),
            Columns.of("ship_address", null), Columns.of("ship_city", null), Columns.of("ship_region", null),
            Columns.of("ship_postal_code", null), Columns.of("ship_country", null)));
  }

  private static ChangeEvent line(final ChangeOp op, final int orderId, final int productId, final Integer quantity,
      final long lsn, final String txId, final Long txOrder) {
    return event("order_details", op, lsn, txId, txOrder,
        List.of(Columns.of("order_id", orderId), Columns.of("product_id", productId)),
        List.of(Columns.of("order_id", orderId), Columns.of("product_id", productId), Columns.of("unit_price", 1.5f),
            Columns.of("quantity", quantity), Columns.of("discount", 0f)));
  }

  /** Sends {@code e} as the connector does: keyed by its header key (the order id). */
  private void send(final ChangeEvent e) {
    final String topic = topics.cdc("public." + e.getSource().getTable()).name();
    final String key = String.valueOf(e.getKey().get(0).getValue());
    producer.send(new ProducerRecord<>(topic, key, topics.changeSerde().encode(topic, e)));
  }

  /** The commit marker, in the partition where the transaction's events with header {@code headerKey} went. */
  private void commit(final String table, final String headerKey, final String txId, final long commitLsn,
      final int topicsInPartition) {
    final String topic = topics.cdc("public." + table).name();
    // the partition Kafka's default partitioner gave the transaction's events with this key (the connector learns
    // it from their acknowledgements)
    final int partitions = producer.partitionsFor(topic).size();
    final int partition = org.apache.kafka.common.utils.Utils.toPositive(
        org.apache.kafka.common.utils.Utils.murmur2(headerKey.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        % partitions;
    final ChangeEvent marker = ChangeEvent.newBuilder().setOp(ChangeOp.COMMIT)
        .setSource(SourcePosition.newBuilder().setDatabase("").setSchema$("").setTable("").setLsn(commitLsn)
            .setTxId(txId).setSnapshot(false).setTsMs(1L).build())
        .setKey(List.of()).setCommit(new CommitMarker(commitLsn, topicsInPartition, false)).build();
    producer.send(new ProducerRecord<>(topic, partition, "commit:" + txId, topics.changeSerde().encode(topic, marker)));
  }
}
