package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.sink.TargetSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connector.initial-load: direct}: the connector reads the legacy tables in its slot's exported snapshot, maps
 * them and writes the rows to the apply topic; Debezium then streams from the slot. Checked: the target ends equal to
 * the legacy database through the mapping, no snapshot row went through the CDC topics, the changes made after the
 * load stream as usual (savepoints rolled back, more subtransactions than a session caches, a key changed, an order
 * inserted and deleted in one transaction among them), and a connector killed with SIGKILL in the middle of its load
 * loads again at its next start and loses nothing, rows deleted while it was down included. The capture's position is
 * kept in a file in one test and in Kafka in the other: the load stores it in either.
 */
class DirectLoadIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void northwindLoadedDirectlyMatchesTheLegacyDatabaseAndLaterChangesStream() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_direct");
    // the capture's role with an administrator's time limits (FirstStartIT): the load's sessions, the temporary
    // slot's among them (idle while the tables are read), start without them
    TestDatabases.limitRole(stack.legacy(), env.legacyDatabase(), "it_direct_ferry");
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.initial-load", "direct", "test")
        .with("legacy.user", "it_direct_ferry", "test"), EnumSet.allOf(Role.class), work.resolve("it_direct"));
    assertThat(config.processor().waitForUnseenHeaders()).as("the processor never sees the loaded headers").isFalse();
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target(); Admin admin = admin()) {
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
          .until(() -> RowCounts.of(legacy, target).match());
      assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
      assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
      assertThat(endOffsets(admin, "it_direct.cdc.public.orders") + endOffsets(admin, "it_direct.cdc.public.order_details"))
          .as("snapshot rows on the CDC topics").isZero();
      assertThat(count(target, "SELECT count(DISTINCT ferry_version) FROM sales_order"))
          .as("every loaded order carries the snapshot's version").isEqualTo(1);
      assertThat(pipeline.capture().loadedPerTable()).containsEntry("public.orders", 830L)
          .containsEntry("public.order_details", 2155L).containsEntry("public.customers", 91L);

      // the slot the load left streams what came after it: a new order with its lines, an update, a delete
      await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.capture().streaming());
      exec(legacy, "BEGIN; INSERT INTO orders (order_id, customer_id, employee_id, order_date, freight) "
          + "VALUES (30001, 'ALFKI', 1, '2026-12-04', 9.5); INSERT INTO order_details VALUES (30001, 1, 18, 2, 0), "
          + "(30001, 2, 19, 1, 0); UPDATE orders SET freight = 77.25 WHERE order_id = 10250; "
          + "DELETE FROM order_details WHERE order_id = 10251; DELETE FROM orders WHERE order_id = 10251; COMMIT");
      // what legacy applications write beyond plain statements: savepoints rolled back and released, more
      // subtransactions than PostgreSQL keeps per session (64), a line's key changed, an order's lines replaced, an
      // order inserted and deleted within one transaction
      final StringBuilder savepoints = new StringBuilder("BEGIN; INSERT INTO orders (order_id, customer_id, freight) "
          + "VALUES (30002, 'ALFKI', 5); INSERT INTO order_details VALUES (30002, 1, 1, 1, 0); SAVEPOINT s; "
          + "UPDATE orders SET freight = 99 WHERE order_id = 30002; ROLLBACK TO SAVEPOINT s; SAVEPOINT r; "
          + "UPDATE orders SET freight = 6 WHERE order_id = 30002; RELEASE SAVEPOINT r; ");
      for (int i = 2; i <= 70; i++) {
        savepoints.append("SAVEPOINT p").append(i).append("; INSERT INTO order_details VALUES (30002, ").append(i)
            .append(", 1, ").append(i).append(", 0); ").append(i % 3 == 0 ? "ROLLBACK TO SAVEPOINT p" + i + "; " : "");
      }
      exec(legacy, savepoints.append("COMMIT").toString());
      exec(legacy, "UPDATE order_details SET product_id = 77 WHERE order_id = 10248 AND product_id = 11");
      exec(legacy, "BEGIN; DELETE FROM order_details WHERE order_id = 10249; INSERT INTO order_details VALUES "
          + "(10249, 14, 2, 2, 0), (10249, 1, 4, 4, 0); INSERT INTO orders (order_id, customer_id, freight) VALUES "
          + "(30003, 'ALFKI', 5); INSERT INTO order_details VALUES (30003, 1, 1, 1, 0); DELETE FROM order_details "
          + "WHERE order_id = 30003; DELETE FROM orders WHERE order_id = 30003; COMMIT");
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 30001")).isEqualTo(2);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 30002"))
            .as("the lines whose savepoints were not rolled back").isEqualTo(47);
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 30002 AND freight = 6")).isEqualTo(1);
        // each of the five transactions by a row only it leaves: they reach the target in no set order across
        // headers (another partition), and 10249 had two lines before its lines were replaced (a race seen once)
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10249")).isEqualTo(2);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10249 AND product_id = 1"))
            .isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND product_id = 77"))
            .as("the line whose key changed, under its new key").isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND product_id = 11"))
            .as("and not under its old one").isZero();
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 10251")).isZero();
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 10250 AND freight = 77.25"))
            .isEqualTo(1);
      });
      assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
      assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
      assertThat(pipeline.sink().failed()).isZero();
    }

    // the position file lost (a new disk): the slot says the load finished, so the capture streams from it again,
    // neither loading again nor letting Debezium take a snapshot
    Files.delete(config.connector().offsetFile());
    try (Connection legacy = env.legacy(); Connection target = env.target(); Admin admin = admin()) {
      final long captured = endOffsets(admin, "it_direct.cdc.public.orders");
      exec(legacy, "UPDATE orders SET freight = 88.5 WHERE order_id = 10252");
      try (Pipeline again = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
            count(target, "SELECT count(*) FROM sales_order WHERE id = 10252 AND freight = 88.5") == 1);
        assertThat(again.capture().loadedPerTable()).as("rows loaded by the second start").isEmpty();
        assertThat(endOffsets(admin, "it_direct.cdc.public.orders") - captured)
            .as("records on the orders topic after the restart: the update, Kafka's transaction markers, changes sent "
                + "again since the slot's last confirmed position; a snapshot would be 830 orders").isBetween(1L, 100L);
        assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
        assertThat(again.sink().failed()).isZero();
      }
    }
  }

  /**
   * Rows the mapping refuses during the load are dead-lettered with their rule, as the processor refuses rows of
   * Debezium's snapshot (each row a group of its own there too): only the refused rows stay out.
   */
  @Test
  void rowsTheMappingRefusesDuringTheLoadAreDeadLetteredWithTheirRule() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_direct_bad");
    try (Connection legacy = env.legacy()) {
      exec(legacy, "INSERT INTO order_details VALUES (10248, 1, 10, -5, 0)");
      exec(legacy, "INSERT INTO customers (customer_id, company_name, country) VALUES ('ATLAN', 'Atlantis Trading', "
          + "'Atlantis')");
    }
    final FerryConfig config = direct(env, "it_direct_bad");
    try (Pipeline pipeline = new Pipeline(config).start(); Connection target = env.target()) {
      final List<String> refused = new java.util.ArrayList<>();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order_line")).isEqualTo(2155);
        assertThat(count(target, "SELECT count(*) FROM customer")).isEqualTo(91);
        refused.clear();
        refused.addAll(DeadLettersRead.refusals(stack, config));
        assertThat(refused).hasSize(2);
      });
      assertThat(refused).containsExactlyInAnyOrder("VALIDATE 10248|1 quantity-positive",
          "MAP ATLAN lookup.countries");
      assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND product_id = 1"))
          .isZero();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /**
   * The connector as it ships ({@code scripts/ferry connector} on its own class path, {@code kill -9} hitting its JVM,
   * which the script execs), killed with SIGKILL once part of its load is on the apply topic. While it is down the
   * legacy database changes: orders deleted (rows the first attempt had loaded), updated and added. Its next start
   * loads again from a new snapshot; its end removes what the first attempt wrote of the deleted orders.
   */
  @Test
  void aConnectorKilledDuringItsDirectLoadLoadsAgainAndLosesNothing() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_direct_kill");
    try (Connection legacy = env.legacy()) {
      // 10 copies of Northwind's orders and lines: 34,000 rows, a load of about a second (more cost the suite time)
      exec(legacy, "INSERT INTO orders SELECT order_id + 1000 * g, customer_id, employee_id, order_date, "
          + "required_date, shipped_date, ship_via, freight, ship_name, ship_address, ship_city, ship_region, "
          + "ship_postal_code, ship_country FROM orders, generate_series(1, 10) g");
      exec(legacy, "INSERT INTO order_details SELECT order_id + 1000 * g, product_id, unit_price, quantity, discount "
          + "FROM order_details, generate_series(1, 10) g");
    }
    final FerryConfig config = direct(env, "it_direct_kill");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("connector.yaml"), java.util.Set.of());
    // the capture's position kept in Kafka here (a file in the test above): the load stores it there too
    final Map<String, String> direct = Map.of("FERRY_CONNECTOR_INITIAL_LOAD", "direct",
        "FERRY_CONNECTOR_OFFSET_STORAGE", "kafka");
    final Path log = work.resolve("connector.log");
    try (TargetSink sink = new TargetSink(config.sink()).start();
        StreamProcessor processor = new StreamProcessor(config.processor()).start();
        Connection legacy = env.legacy(); Connection target = env.target(); Admin admin = admin()) {
      final long rows = RowCounts.of(legacy, target).source().values().stream().mapToLong(Long::longValue).sum();
      Process connector = shipped(file, direct, log);
      try {
        final long[] onTopic = {0};
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20)).until(() -> {
          onTopic[0] = endOffsets(admin, "it_direct_kill.apply");
          return onTopic[0] >= 3_000;
        });
        connector.destroyForcibly();
        assertThat(connector.waitFor(30, TimeUnit.SECONDS)).isTrue();
        final long atKill = endOffsets(admin, "it_direct_kill.apply");
        assertThat(atKill).as("records on the apply topic when the kill came (of %,d rows)", rows).isLessThan(rows);
        assertThat(Files.readString(log)).doesNotContain("direct initial load done");

        exec(legacy, "DELETE FROM order_details WHERE order_id BETWEEN 11248 AND 11347");
        exec(legacy, "DELETE FROM orders WHERE order_id BETWEEN 11248 AND 11347");
        exec(legacy, "UPDATE orders SET freight = freight + 1 WHERE order_id BETWEEN 10248 AND 10347");
        exec(legacy, "BEGIN; INSERT INTO orders (order_id, customer_id, employee_id, order_date, freight) "
            + "VALUES (32500, 'ALFKI', 1, '2026-12-04', 9.5); INSERT INTO order_details VALUES (32500, 1, 18, 2, 0); "
            + "COMMIT");

        connector = shipped(file, direct, log);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
            .until(() -> RowCounts.of(legacy, target).match());
        assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
        assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id BETWEEN 11248 AND 11347"))
            .as("orders the first attempt loaded, deleted while the connector was down").isZero();
        // the rows are applied before the load has stored its position and said so
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
            .until(() -> Files.readString(log).contains("direct initial load done"));

        // and it streams from the slot the second load left, from the position it stored in Kafka (Debezium found it
        // and took no snapshot of its own: the orders' CDC topic holds the update and Kafka's transaction markers)
        exec(legacy, "UPDATE orders SET freight = 55.5 WHERE order_id = 10248");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
            count(target, "SELECT count(*) FROM sales_order WHERE id = 10248 AND freight = 55.5") == 1);
        assertThat(endOffsets(admin, "it_direct_kill.cdc.public.orders")).isBetween(1L, 100L);
        assertThat(endOffsets(admin, "it_direct_kill.connector-offsets")).as("positions stored in Kafka").isPositive();
        assertThat(sink.failed()).isZero();
      } finally {
        connector.destroy();
        if (!connector.waitFor(60, TimeUnit.SECONDS)) {
          connector.destroyForcibly();
        }
      }
    }
  }

  /** {@code scripts/ferry connector --config config}, as built by mvn verify, its output appended to {@code log}. */
  private static Process shipped(final Path config, final Map<String, String> environment, final Path log)
      throws java.io.IOException {
    final Path root = Path.of("").toAbsolutePath().getParent();
    final ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("scripts/ferry").toString(), "connector",
        "--config", config.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("FERRY_NO_BUILD", "1");
    pb.environment().putAll(environment);
    return pb.start();
  }

  private FerryConfig direct(final DemoEnvironment env, final String name) {
    return FerryConfig.resolve(env.source().with("connector.initial-load", "direct", "test"), EnumSet.allOf(Role.class),
        work.resolve(name));
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()));
  }

  /** Records on {@code topic}, all partitions; 0 when it does not exist. */
  private static long endOffsets(final Admin admin, final String topic) throws Exception {
    if (!admin.listTopics().names().get().contains(topic)) {
      return 0;
    }
    final int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    final Map<TopicPartition, OffsetSpec> specs = new java.util.HashMap<>();
    for (int p = 0; p < partitions; p++) {
      specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    return admin.listOffsets(specs).all().get().values().stream().mapToLong(i -> i.offset()).sum();
  }
}
