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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The legacy database restarts in the middle of a stream, as it does for a minor upgrade or a configuration change:
 * stopped (fast shutdown: every connection closed, the capture's replication connection too) while two writers
 * commit orders with their lines, and started again 5 s later on the same port with the same data; later it crashes
 * (its postmaster killed, no shutdown checkpoint) and starts again through crash recovery. The writers
 * carry on where they were (an order whose commit went unanswered is looked for before it is written again).
 * The capture must resume from its slot: the target ends equal to the legacy database, nothing lost, nothing
 * twice, no dead letter.
 */
class LegacyRestartIT {
  private static final String LEGACY = """
      CREATE TABLE orders (order_id int PRIMARY KEY, customer text NOT NULL, revision int NOT NULL);
      CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, line_no int NOT NULL, qty int NOT NULL,
        PRIMARY KEY (order_id, line_no));
      INSERT INTO orders SELECT g, 'c' || g, 0 FROM generate_series(1, 50) g;
      INSERT INTO order_lines SELECT g, 1, g FROM generate_series(1, 50) g;
      """;
  private static final String TARGET = """
      CREATE TABLE orders (order_id int PRIMARY KEY, customer text NOT NULL, revision int NOT NULL,
        ferry_version bigint NOT NULL);
      CREATE TABLE order_lines (order_id int NOT NULL REFERENCES orders, line_no int NOT NULL, qty int NOT NULL,
        ferry_version bigint NOT NULL, PRIMARY KEY (order_id, line_no));
      """;
  private static final String MAPPING = """
      version: restart-1
      tables:
        - source: public.orders
          target: orders
          fields: {order_id: order_id, customer: customer, revision: revision}
        - source: public.order_lines
          target: order_lines
          fields: {order_id: order_id, line_no: line_no, qty: qty}
      """;
  private static final int ORDERS_PER_WRITER = 300;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aLegacyRestartDuringAStreamLosesNothingAndRepeatsNothing() throws Exception {
    final String name = "it_legacy_restart";
    final Path dataDir = Files.createDirectories(work.resolve("legacy-server"));
    final EmbeddedDatabase[] legacy = {EmbeddedDatabase.startPersistent(dataDir, "restart-pg")};
    try {
      final ConfigSource source = TestDatabases.ordersOnOwnServer(stack, legacy[0], name, LEGACY, TARGET, MAPPING,
          work);
      final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), work);
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> {
          try (Connection t = stack.target().connect(name + "_target")) {
            return rows(t, "orders").size() == 50;
          }
        });
        // the direct load's rows are in before Debezium's engine starts; this test is about a restart while streaming
        // (one while the engine starts is LegacyGoneAtEngineStartIT's)
        await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.capture().streaming());

        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
          final int first = 1_000 + w * 10_000;
          writers.add(new Thread(() -> {
            try {
              write(legacy, name, first, committed, failures);
            } catch (InterruptedException | RuntimeException e) {
              errors.add(e);
            }
          }));
        }
        writers.forEach(Thread::start);
        await().atMost(Duration.ofMinutes(1)).until(() -> committed.get() >= 100);
        LoggerFactory.getLogger(LegacyRestartIT.class).info("legacy server stopped (fast shutdown)");
        legacy[0].close();
        Thread.sleep(5_000);
        legacy[0] = legacy[0].restart(dataDir);
        // then a crash: the postmaster killed (the OOM killer on the database's host), started again through crash
        // recovery; the slot's position is what its last checkpoint saved. It may land while Debezium restarts its
        // task after the first outage, which the capture survives since it builds a new engine (CaptureEngine)
        final int beforeCrash = failures.get();
        await().atMost(Duration.ofMinutes(2)).until(() -> committed.get() >= 350);
        LoggerFactory.getLogger(LegacyRestartIT.class).info("legacy server crashing (postmaster killed)");
        legacy[0].crash();
        Thread.sleep(3_000);
        legacy[0] = legacy[0].restart(dataDir);
        for (final Thread t : writers) {
          t.join(Duration.ofMinutes(4).toMillis());
          assertThat(t.isAlive()).as("writer finished within 4 minutes").isFalse();
        }
        assertThat(errors).as("writer errors").isEmpty();
        assertThat(beforeCrash).as("the writers met the restart").isPositive();
        assertThat(failures.get()).as("the writers met the crash").isGreaterThan(beforeCrash);
        assertThat(committed.get()).isEqualTo(2 * ORDERS_PER_WRITER);

        final List<String> legacyOrders;
        final List<String> legacyLines;
        try (Connection c = legacy[0].connect(name)) {
          legacyOrders = rows(c, "orders");
          legacyLines = rows(c, "order_lines");
        }
        assertThat(legacyOrders).hasSize(50 + 2 * ORDERS_PER_WRITER);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
          try (Connection t = stack.target().connect(name + "_target")) {
            assertThat(rows(t, "orders")).as("orders in the target").isEqualTo(legacyOrders);
            assertThat(rows(t, "order_lines")).as("lines in the target").isEqualTo(legacyLines);
          }
        });
        assertThat(DeadLetterReader.all(stack, config)).as("dead letters").isEmpty();
      }
    } finally {
      legacy[0].close();
    }
  }

  /**
   * Commits {@value #ORDERS_PER_WRITER} orders from {@code first} on, each with three lines, and every third one an
   * update of the order before it; waits out the server's absence, each order written once.
   */
  private static void write(final EmbeddedDatabase[] legacy, final String name, final int first,
      final AtomicInteger committed, final AtomicInteger failures) throws InterruptedException {
    final long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    int id = first;
    Connection c = null;
    while (id < first + ORDERS_PER_WRITER && System.nanoTime() < deadline) {
      try {
        if (c == null) {
          c = legacy[0].connect(name);
          c.setAutoCommit(false);
          if (exists(c, id)) {
            // committed, though the answer was lost with the connection
            committed.incrementAndGet();
            id++;
            continue;
          }
        }
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO orders VALUES (" + id + ", 'w" + id + "', 0)");
          s.executeUpdate("INSERT INTO order_lines VALUES (" + id + ", 1, 1), (" + id + ", 2, 2), (" + id
              + ", 3, 3)");
          if (id % 3 == 0 && id > first) {
            s.executeUpdate("UPDATE orders SET revision = revision + 1, customer = customer || '+' WHERE order_id = "
                + (id - 1));
            s.executeUpdate("UPDATE order_lines SET qty = qty * 10 WHERE order_id = " + (id - 1));
          }
        }
        c.commit();
        committed.incrementAndGet();
        id++;
        Thread.sleep(10);
      } catch (SQLException e) {
        failures.incrementAndGet();
        closeQuietly(c);
        c = null;
        Thread.sleep(200);
      }
    }
    closeQuietly(c);
  }

  private static boolean exists(final Connection c, final int id) throws SQLException {
    final boolean found = TestDatabases.count(c, "SELECT count(*) FROM orders WHERE order_id = " + id) > 0;
    c.rollback();
    return found;
  }

  private static void closeQuietly(final Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // the server is gone; so is the connection
      }
    }
  }

  /** Every row of {@code table} (its legacy columns, not Ferry's version) as text, in key order. */
  private static List<String> rows(final Connection c, final String table) throws SQLException {
    final String columns = table.equals("orders") ? "order_id, customer, revision" : "order_id, line_no, qty";
    final List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + columns + " FROM " + table + " ORDER BY 1, 2")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3));
      }
    }
    return rows;
  }
}
