package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Severity;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ALTER TABLE} on the legacy database while a workload changes it. An added column and a widened type
 * change nothing the mapping reads: every change goes on arriving. A renamed column the mapping reads is gone
 * from the changes: each change of the table is then refused as a dead letter naming the column
 * ({@code ddl.column-missing}), never written with that field NULL (an insert) or left as it was (an update).
 */
class LegacyDdlIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void addedAndWidenedColumnsSyncOnAndARenamedOneIsRefusedByName() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_ddl");
    try (Pipeline pipeline = new Pipeline(env.config()).start(); Connection legacy = env.legacy();
        Connection target = env.target(); Statement s = legacy.createStatement()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final AtomicBoolean writing = new AtomicBoolean(true);
      final AtomicInteger updates = new AtomicInteger();
      final Thread writer = new Thread(() -> {
        final Random random = new Random(5);
        final long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (Connection c = env.legacy(); Statement w = c.createStatement()) {
          while (writing.get() && System.nanoTime() < until) {
            w.execute("UPDATE orders SET freight = " + (1 + random.nextInt(900)) + " WHERE order_id = "
                + (10249 + random.nextInt(50)));
            updates.incrementAndGet();
            Thread.sleep(10);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      await().atMost(Duration.ofMinutes(1)).until(() -> updates.get() >= 50);
      s.execute("ALTER TABLE orders ADD COLUMN note text");
      await().atMost(Duration.ofMinutes(1)).until(() -> updates.get() >= 100);
      s.execute("ALTER TABLE orders ALTER COLUMN ship_name TYPE varchar(60)");
      await().atMost(Duration.ofMinutes(1)).until(() -> updates.get() >= 150);
      writing.set(false);
      writer.join(Duration.ofMinutes(1).toMillis());
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
          assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy)));

      final String freightBefore = one(target, "SELECT freight::text FROM sales_order WHERE id = 10248");
      s.execute("ALTER TABLE orders RENAME COLUMN ship_name TO ship_label");
      s.execute("UPDATE orders SET freight = 555.55 WHERE order_id = 10248");
      s.execute("INSERT INTO orders (order_id, customer_id, freight, ship_label, ship_country) "
          + "VALUES (20300, 'ALFKI', 1, 'Alfreds', 'Germany')");

      final List<String> refused = refusals(env, 2);
      assertThat(refused).containsExactlyInAnyOrder("10248 ddl.column-missing ship_name ship_name",
          "20300 ddl.column-missing ship_name ship_name");
      assertThat(one(target, "SELECT freight::text FROM sales_order WHERE id = 10248"))
          .as("the update is not applied without its ship_name").isEqualTo(freightBefore);
      assertThat(one(target, "SELECT count(*)::text FROM sales_order WHERE id = 20300")).isEqualTo("0");
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /** The refusals (ERROR letters) as {@code key rule field value}, waiting up to a minute for {@code expected}. */
  private List<String> refusals(final DemoEnvironment env, final int expected) {
    final var topics = env.config().sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", "ddl-it-reader");
    p.put("auto.offset.reset", "earliest");
    final List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer())) {
      c.subscribe(List.of(topics.deadLetter().name()));
      final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> r.value().getErrors().stream()
            .filter(e -> e.getSeverity() == Severity.ERROR).findFirst()
            .ifPresent(e -> out.add(r.value().getSourceKey() + " " + e.getRule() + " " + e.getField() + " "
                + e.getValue())));
      }
      c.poll(Duration.ofSeconds(1)).forEach(r -> {
        if (r.value().getErrors().stream().anyMatch(e -> e.getSeverity() == Severity.ERROR)) {
          out.add("unexpected: " + r.value().getSourceKey());
        }
      });
    }
    return out;
  }

  private static String one(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
