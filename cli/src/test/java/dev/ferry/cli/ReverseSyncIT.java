package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.cutover.ReverseMapping;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.LiveDirection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reverse direction, while the forward one runs: the new system's database is captured, mapped back with the
 * reverse mapping {@code ferry mapping reverse} drafts from Northwind's, and applied to the legacy database, whose
 * schema has no column of Ferry's. Both sinks mark their writes, so neither direction's processor sends back what
 * the other's sink wrote.
 */
class ReverseSyncIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void ordersWrittenInTheNewSystemReachTheLegacyOneWholeAndNothingEchoes() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_reverse");
    final FerryConfig forwardConfig = FerryConfig.resolve(env.source().with("sink.mark-writes", "true", "test"),
        EnumSet.allOf(Role.class), work);
    final Path reverseDir = Files.createDirectories(work.resolve("it_reverse_back"));
    try (Pipeline forward = new Pipeline(forwardConfig).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final ReverseMapping.Draft draft = Directions.reverseMapping(forwardConfig, System.out);
      assertThat(draft.review()).as("Northwind's keys all come back").noneMatch(r -> r.contains("legacy key"));
      Files.writeString(reverseDir.resolve("mapping.yaml"), draft.yaml());
      // both directions apply at once: the reverse one is live on a control topic of its own, as two independent
      // syncs would be (a cutover makes one live at a time); no echo is the marks' doing, not the live direction's
      final FerryConfig reverseConfig = FerryConfig.resolve(env.reverseSource(reverseDir.resolve("mapping.yaml"),
          reverseDir).with("cutover.control-topic", "it_reverse_back-control", "test"), EnumSet.allOf(Role.class),
          reverseDir);
      LiveDirection.publish(reverseConfig.sink().kafka(), "it_reverse_back-control", LiveDirection.Direction.REVERSE,
          "ReverseSyncIT");
      assertThat(reverseConfig.checkAgainstDatabases()).as("the draft fits both databases").isTrue();

      try (Pipeline reverse = new Pipeline(reverseConfig).start();
          KafkaConsumer<String, ApplyRecord> forwardApply = consumer(forwardConfig, "it-reverse-forward");
          KafkaConsumer<String, ApplyRecord> reverseApply = consumer(reverseConfig, "it-reverse-back")) {
        await().atMost(Duration.ofMinutes(2)).until(() -> reverse.capture().streaming());
        final AtomicInteger torn = new AtomicInteger();
        final AtomicBoolean watching = new AtomicBoolean(true);
        final Thread watcher = new Thread(() -> watchForTornOrder(env, watching, torn), "torn-order-watch");
        watcher.start();
        try (Statement s = target.createStatement()) {
          target.setAutoCommit(false);
          s.execute("INSERT INTO sales_order (id, customer_code, employee_id, order_date, shipper_id, freight, "
              + "ship_name, ship_city, ship_country_code, ferry_version) VALUES (20001, 'ALFKI', 4, DATE '2026-12-01', "
              + "2, 12.34, 'Alfreds Futterkiste', 'Berlin', 'DE', 0)");
          s.execute("INSERT INTO sales_order_line (order_id, product_id, unit_price, quantity, discount, ferry_version) "
              + "VALUES (20001, 1, 18.00, 3, 0, 0), (20001, 2, 19.00, 5, 0.05, 0)");
          target.commit();
          s.execute("UPDATE sales_order SET freight = 99.99 WHERE id = 10300");
          s.execute("UPDATE sales_order_line SET quantity = 42 WHERE order_id = 10248 AND product_id = 11");
          target.commit();
          s.execute("DELETE FROM sales_order_line WHERE order_id = 10249");
          s.execute("DELETE FROM sales_order WHERE id = 10249");
          target.commit();
          target.setAutoCommit(true);
        }
        // meanwhile the legacy application still writes: forward, and not sent back
        try (Statement s = legacy.createStatement()) {
          s.execute("UPDATE orders SET ship_city = 'Reims (forward)' WHERE order_id = 10250");
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> count(legacy, "SELECT count(*) FROM order_details WHERE "
            + "order_id = 20001") == 2 && count(legacy, "SELECT count(*) FROM orders WHERE order_id = 10249") == 0
            && count(legacy, "SELECT count(*) FROM orders WHERE order_id = 10300 AND abs(freight - 99.99) < 0.001") == 1
            && count(target, "SELECT count(*) FROM sales_order WHERE ship_city = 'Reims (forward)'") == 1);
        watching.set(false);
        watcher.join(10_000);

        assertThat(count(legacy, "SELECT count(*) FROM orders WHERE order_id = 20001 AND customer_id = 'ALFKI' AND "
            + "ship_via = 2 AND ship_country = 'Germany' AND order_date = DATE '2026-12-01'")).isEqualTo(1);
        assertThat(count(legacy, "SELECT count(*) FROM order_details WHERE order_id = 20001 AND product_id = 2 AND "
            + "quantity = 5 AND abs(discount - 0.05) < 0.0001 AND abs(unit_price - 19) < 0.001")).isEqualTo(1);
        assertThat(count(legacy, "SELECT count(*) FROM order_details WHERE order_id = 10248 AND product_id = 11 AND "
            + "quantity = 42")).isEqualTo(1);
        assertThat(count(legacy, "SELECT count(*) FROM order_details WHERE order_id = 10249")).isZero();
        assertThat(torn.get()).as("the legacy database never showed order 20001 without both its lines").isZero();
        assertThat(count(legacy, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND "
            + "table_name IN ('orders', 'order_details', 'customers', 'products') AND column_name LIKE 'ferry%'"))
            .as("the legacy schema gained no column").isZero();

        // no echo either way: the forward apply topic never carries the reverse sink's rows, nor the reverse one
        // the forward sink's
        final List<String> forwardKeys = keys(forwardApply);
        final List<String> reverseKeys = keys(reverseApply);
        assertThat(forwardKeys).contains("10250").doesNotContain("20001", "10300", "10249");
        assertThat(reverseKeys).contains("20001", "10300", "10249").doesNotContain("10250");
        // the reverse sink may apply the three source transactions in fewer target transactions of its own
        assertThat(forward.processor().echoTransactionsDropped()).as("the reverse sink's transactions").isPositive();
        assertThat(reverse.processor().echoTransactionsDropped()).as("the forward sink's transaction").isPositive();
      }
    }
  }

  /** Counts every moment the legacy database shows order 20001 without both its lines. */
  private static void watchForTornOrder(final DemoEnvironment env, final AtomicBoolean watching,
      final AtomicInteger torn) {
    final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    try (Connection c = env.legacy(); Statement s = c.createStatement()) {
      while (watching.get() && System.nanoTime() < deadline) {
        try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM orders WHERE order_id = 20001), "
            + "(SELECT count(*) FROM order_details WHERE order_id = 20001)")) {
          rs.next();
          if (rs.getLong(1) == 1 && rs.getLong(2) != 2) {
            torn.incrementAndGet();
          }
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      torn.addAndGet(1_000_000);
    }
  }

  /** A reader of {@code config}'s apply topic from its end now: what is applied from here on. */
  private KafkaConsumer<String, ApplyRecord> consumer(final FerryConfig config, final String group) {
    final var topics = config.processor().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", group);
    p.put("isolation.level", "read_committed");
    final KafkaConsumer<String, ApplyRecord> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topics.apply().valueSerde().deserializer());
    dev.ferry.schemas.TopicCreator.ensure(config.processor().kafka(), List.of(topics.apply().name()),
        config.processor().kafka().partitions(), java.util.Set.of());
    final List<org.apache.kafka.common.TopicPartition> partitions = c.partitionsFor(topics.apply().name()).stream()
        .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
    c.assign(partitions);
    c.seekToEnd(partitions);
    partitions.forEach(c::position);
    return c;
  }

  /** The first key column's value of every apply record to the end of the topic (orders are keyed by their id). */
  private static List<String> keys(final KafkaConsumer<String, ApplyRecord> c) {
    final List<String> out = new ArrayList<>();
    final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int quietPolls = 0;
    while (System.nanoTime() < deadline && quietPolls < 10) {
      final var records = c.poll(Duration.ofMillis(300));
      quietPolls = records.isEmpty() ? quietPolls + 1 : 0;
      records.forEach(r -> out.add(String.valueOf(r.value().getKey().get(0).getValue())));
    }
    return out;
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
