package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The legacy server goes away at the moment Debezium starts its task: its connections are open, its start goes on
 * against a server that is gone. Debezium gives up on the engine then (it retries a refused connection at a task
 * start, not a connection that dies during one); the capture used to stay stopped for good, the target frozen at
 * what it had. {@link HeldAtTaskStart} holds the task's start while the test stops the server, so the fault lands
 * there every time: at the capture's first engine start, and at Debezium's own restart of its task after a stream
 * failed. Each time the server comes back (same port, same data) and orders written then must reach the target.
 */
class LegacyGoneAtEngineStartIT {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyGoneAtEngineStartIT.class);
  private static final String LEGACY = """
      CREATE TABLE orders (order_id int PRIMARY KEY, customer text NOT NULL);
      CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, line_no int NOT NULL, qty int NOT NULL,
        PRIMARY KEY (order_id, line_no));
      INSERT INTO orders SELECT g, 'c' || g FROM generate_series(1, 20) g;
      INSERT INTO order_lines SELECT g, 1, g FROM generate_series(1, 20) g;
      """;
  private static final String TARGET = """
      CREATE TABLE orders (order_id int PRIMARY KEY, customer text NOT NULL, ferry_version bigint NOT NULL);
      CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, line_no int NOT NULL, qty int NOT NULL,
        ferry_version bigint NOT NULL, PRIMARY KEY (order_id, line_no));
      """;
  private static final String MAPPING = """
      version: gone-1
      tables:
        - source: public.orders
          target: orders
          fields: {order_id: order_id, customer: customer}
        - source: public.order_lines
          target: order_lines
          fields: {order_id: order_id, line_no: line_no, qty: qty}
      """;

  private final EmbeddedStack stack = SharedStack.get();
  private final EmbeddedDatabase[] legacy = new EmbeddedDatabase[1];

  @TempDir
  Path work;

  @AfterEach
  void release() {
    HeldAtTaskStart.RELEASE.countDown();
    if (legacy[0] != null) {
      legacy[0].close();
    }
  }

  @Test
  void aServerGoneWhileDebeziumStartsItsTaskIsWaitedFor() throws Exception {
    final String name = "it_gone_at_start";
    hold();
    try (Pipeline pipeline = startPipeline(name)) {
      awaitTarget(name, 20);
      // at the first engine's start (here after the direct load)
      assertThat(HeldAtTaskStart.STARTING.await(2, TimeUnit.MINUTES)).as("Debezium starts its task").isTrue();
      goAwayAndComeBack(pipeline);
      writeOrders(name, 100, 30);
      awaitTarget(name, 50);
      assertThat(pipeline.capture().finished()).as("the capture still runs").isNotDone();
      final long afterFirst = pipeline.capture().engineRestarts();
      assertThat(afterFirst).as("Debezium's engine built again").isPositive();

      // at Debezium's restart of its task after the stream failed: refused every 3 s until the server is back, when
      // the task opens its connections and is held
      await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.capture().streaming());
      hold();
      LOG.info("legacy server stopped (fast shutdown) while streaming");
      legacy[0].close();
      Thread.sleep(4_000);
      legacy[0] = legacy[0].restart(work.resolve("legacy-server"));
      assertThat(HeldAtTaskStart.STARTING.await(2, TimeUnit.MINUTES)).as("Debezium restarts its task").isTrue();
      goAwayAndComeBack(pipeline);
      writeOrders(name, 200, 30);
      awaitTarget(name, 80);
      assertThat(pipeline.capture().finished()).as("the capture still runs").isNotDone();
      assertThat(pipeline.capture().engineRestarts()).as("Debezium's engine built again").isGreaterThan(afterFirst);
    }
  }

  /** Holds Debezium's next task start until {@link #goAwayAndComeBack} releases it. */
  private static void hold() {
    HeldAtTaskStart.STARTING = new CountDownLatch(1);
    HeldAtTaskStart.RELEASE = new CountDownLatch(1);
  }

  /** Stops the legacy server while the task's start is held, lets the start go on against nothing, starts it again. */
  private void goAwayAndComeBack(final Pipeline pipeline) throws Exception {
    LOG.info("legacy server stopped (fast shutdown) while Debezium's task starts");
    legacy[0].close();
    HeldAtTaskStart.RELEASE.countDown();
    // the start fails within a moment, and the capture says what it waits for (readiness, status page)
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
        assertThat(pipeline.capture().legacyUnreachable()).as("why the capture waits")
            .contains("Debezium stopped as it started").contains("refused"));
    // its first look for the server, 1 s later, finds it still gone
    Thread.sleep(1_500);
    legacy[0] = legacy[0].restart(work.resolve("legacy-server"));
    LOG.info("legacy server started again");
  }

  private Pipeline startPipeline(final String name) throws Exception {
    legacy[0] = EmbeddedDatabase.startPersistent(Files.createDirectories(work.resolve("legacy-server")), "gone-pg");
    final ConfigSource source = TestDatabases.ordersOnOwnServer(stack, legacy[0], name, LEGACY, TARGET, MAPPING, work)
        .with("debezium.converters", "ferrytext,held", "test")
        .with("debezium.held.type", HeldAtTaskStart.class.getName(), "test");
    return new Pipeline(FerryConfig.resolve(source, EnumSet.allOf(Role.class), work)).start();
  }

  /** Commits {@code count} orders from {@code first} on, each with two lines, one transaction each. */
  private void writeOrders(final String name, final int first, final int count) throws SQLException {
    try (Connection c = legacy[0].connect(name); Statement s = c.createStatement()) {
      for (int id = first; id < first + count; id++) {
        s.execute("BEGIN; INSERT INTO orders VALUES (" + id + ", 'w" + id + "'); INSERT INTO order_lines VALUES ("
            + id + ", 1, 1), (" + id + ", 2, 2); COMMIT");
      }
    }
  }

  /** Waits until the target holds {@code orders} orders, then checks both tables equal the legacy ones. */
  private void awaitTarget(final String name, final int orders) throws SQLException {
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      try (Connection t = stack.target().connect(name + "_target")) {
        return TestDatabases.count(t, "SELECT count(*) FROM orders") >= orders;
      }
    });
    try (Connection c = legacy[0].connect(name)) {
      final List<String> orderRows = rows(c, "orders");
      final List<String> lineRows = rows(c, "order_lines");
      assertThat(orderRows).hasSize(orders);
      await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        try (Connection t = stack.target().connect(name + "_target")) {
          assertThat(rows(t, "orders")).as("orders in the target").isEqualTo(orderRows);
          assertThat(rows(t, "order_lines")).as("lines in the target").isEqualTo(lineRows);
        }
      });
    }
  }

  private static List<String> rows(final Connection c, final String table) throws SQLException {
    final String columns = table.equals("orders") ? "order_id, customer" : "order_id, line_no || '|' || qty";
    final List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + columns + " FROM " + table + " ORDER BY 1, 2")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "|" + rs.getString(2));
      }
    }
    return rows;
  }
}
