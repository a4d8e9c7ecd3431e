package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.LiveWorkload;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real parts (Kafka broker, two PostgreSQL servers, schema registry), with
 * Northwind as the legacy system and the demo's mapping.
 */
class NorthwindSyncIT {
  private static final Duration SYNC = Duration.ofMinutes(3);
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void snapshotArrivesWithEveryOrderAndLineMappedValueByValue() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_snapshot");
    // Debezium's snapshot through the CDC topics and the processor (DirectLoadIT checks the default direct load alike)
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.initial-load", "kafka", "test"),
        java.util.EnumSet.allOf(Role.class), work.resolve("it_snapshot"));
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      await().atMost(SYNC).pollInterval(Duration.ofMillis(500))
          .until(() -> RowCounts.of(legacy, target).match());

      final var expectedLines = NorthwindRows.expectedLines(legacy);
      assertThat(expectedLines).hasSize(2155);
      assertThat(NorthwindRows.actualLines(target)).isEqualTo(expectedLines);
      final var expectedOrders = NorthwindRows.expectedOrders(legacy);
      assertThat(expectedOrders).hasSize(830);
      assertThat(NorthwindRows.actualOrders(target)).isEqualTo(expectedOrders);
      // spot checks of the conversions themselves, values read off the Northwind dump
      assertThat(NorthwindRows.actualLines(target).get("10248|11")).containsExactly("14.00", "12", "0.00");
      assertThat(NorthwindRows.actualOrders(target).get("10248").subList(0, 7))
          .containsExactly("VINET", "5", "1996-07-04", "1996-08-01", "1996-07-16", "3", "32.38");
      assertThat(pipeline.sink().failed()).isZero();
      // the customer quirks: a contact name split in two, a country name turned into its ISO code
      try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT contact_first_name, "
          + "contact_last_name, country_code, company_name FROM customer WHERE code = 'ALFKI'")) {
        assertThat(rs.next()).isTrue();
        assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
            .containsExactly("Maria", "Anders", "DE", "Alfreds Futterkiste");
      }
      assertThat(count(target, "customer WHERE country_code IS NULL OR length(country_code) <> 2")).isZero();
    }
  }

  @Test
  void liveInsertUpdateAndDeleteEachReachTheTarget() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_live");
    try (Pipeline pipeline = new Pipeline(env.config()).start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      await().atMost(SYNC).until(() -> RowCounts.of(legacy, target).match());

      try (Statement s = legacy.createStatement()) {
        s.execute("INSERT INTO orders (order_id, customer_id, employee_id, order_date, freight, ship_name) "
            + "VALUES (20001, 'ALFKI', 3, '2026-11-21', 12.345, '  Padded name  ')");
        s.execute("INSERT INTO order_details VALUES (20001, 11, 9.99, 4, 0.1), (20001, 42, 0.125, 1, 0)");
      }
      await().atMost(SYNC).untilAsserted(() -> {
        assertThat(NorthwindRows.actualOrders(target).get("20001"))
            .isEqualTo(NorthwindRows.expectedOrders(legacy).get("20001"));
        assertThat(NorthwindRows.actualLines(target)).containsEntry("20001|11", java.util.List.of("9.99", "4", "0.10"))
            .containsEntry("20001|42", java.util.List.of("0.12", "1", "0.00"));
      });
      assertThat(NorthwindRows.actualOrders(target).get("20001").get(7)).isEqualTo("Padded name");

      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE orders SET freight = 99.999, ship_city = 'Reims' WHERE order_id = 10248");
      }
      await().atMost(SYNC).untilAsserted(() -> {
        assertThat(NorthwindRows.actualOrders(target).get("10248").get(6)).isEqualTo("100.00");
        assertThat(NorthwindRows.actualOrders(target).get("10248").get(9)).isEqualTo("Reims");
      });

      try (Statement s = legacy.createStatement()) {
        s.execute("DELETE FROM order_details WHERE order_id = 10249");
        s.execute("DELETE FROM orders WHERE order_id = 10249");
      }
      await().atMost(SYNC).untilAsserted(() -> {
        assertThat(NorthwindRows.actualOrders(target)).doesNotContainKey("10249");
        assertThat(NorthwindRows.actualLines(target).keySet()).noneMatch(k -> k.startsWith("10249|"));
      });
      assertThat(count(target, "sales_order")).isEqualTo(830);
      assertThat(count(target, "sales_order_line")).isEqualTo(2155 + 2 - 2);
    }
  }

  @Test
  void restartingConnectorProcessorAndSinkMidWorkloadLosesAndDuplicatesNothing() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_restart");
    try (Pipeline pipeline = new Pipeline(env.config()).start();
        Connection legacy = env.legacy(); Connection target = env.target();
        Connection workloadConnection = env.legacy()) {
      await().atMost(SYNC).until(() -> RowCounts.of(legacy, target).match());

      final LiveWorkload workload = new LiveWorkload(workloadConnection, 7);
      final AtomicInteger done = new AtomicInteger();
      final Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 450; i++) {
            workload.step();
            done.incrementAndGet();
            Thread.sleep(10);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      await().atMost(SYNC).until(() -> done.get() >= 100);
      pipeline.restartConnector();
      await().atMost(SYNC).until(() -> done.get() >= 200);
      // a stopped processor leaves its group, so that the restarted one gets its partitions at once instead of
      // after the old member's session timeout
      pipeline.processor().close();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
          stack.kafka().bootstrapServers()))) {
        final String appId = pipeline.config().processor().applicationId();
        assertThat(admin.describeConsumerGroups(List.of(appId)).all().get().get(appId).members())
            .as("members of %s after the processor stopped", appId).isEmpty();
      }
      pipeline.restartProcessor();
      await().atMost(SYNC).until(() -> done.get() >= 300);
      pipeline.restartSink();
      writer.join(SYNC.toMillis());
      assertThat(done.get()).isEqualTo(450);

      await().atMost(SYNC).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
        assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
      });
      assertThat(workload.inserts()).isPositive();
      assertThat(workload.updates()).isPositive();
      assertThat(workload.deletes()).isPositive();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  private static long count(final Connection c, final String table) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
