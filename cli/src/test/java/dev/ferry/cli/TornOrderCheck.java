package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The torn-order check of the whole-pipeline tests: writers change orders with their lines on the legacy
 * Northwind database while a reader polls the target the whole time, noting every torn order it sees.
 *
 * <p>Each writer transaction keeps an invariant the reader can check in any consistent snapshot of the
 * target: an order named {@code Torn check K} has exactly K lines, and every line's quantity equals the
 * order's freight. A transaction inserts such an order with its K lines, or sets the freight and all
 * line quantities of one to a new value, or deletes one with its lines.
 */
final class TornOrderCheck {
  private final DemoEnvironment env;
  private final AtomicBoolean reading = new AtomicBoolean(true);
  private final AtomicBoolean keepWriting = new AtomicBoolean(true);
  private final ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger transactions = new AtomicInteger();
  private final Thread reader;
  private final List<Thread> writers = new ArrayList<>();

  private TornOrderCheck(final DemoEnvironment env) {
    this.env = env;
    this.reader = new Thread(() -> read(env, reading, torn, reads), "torn-check-reader");
  }

  /**
   * Starts the reader and {@code writers} writers; writer {@code w} writes {@code rounds} rounds of 160
   * transactions on order ids {@code firstId + w * idsPerWriter} up to the next writer's, using an id again once
   * its order is deleted (Northwind's order ids are smallints), with random seed {@code seed + w * 1000}, pausing
   * up to 15 ms after each.
   */
  static TornOrderCheck start(final DemoEnvironment env, final int writers, final int firstId,
      final int idsPerWriter, final int rounds, final long seed) {
    return start(env, writers, firstId, idsPerWriter, rounds * 160, 0, 15, seed);
  }

  /**
   * Starts the reader and two writers that write until {@link #stopWriting()} (at most 20,000 transactions each,
   * about ten minutes), on order ids {@code firstId} to {@code firstId + 9,999}, pausing 10 to 50 ms after each
   * transaction: for a test whose faults must all fall within the workload. The slower pace keeps the backlog a
   * restarted service finds small, also on a busy machine, where the pipeline applies a few hundred rows a second.
   */
  static TornOrderCheck untilStopped(final DemoEnvironment env, final int firstId, final long seed) {
    return start(env, 2, firstId, 5_000, 20_000, 10, 50, seed);
  }

  private static TornOrderCheck start(final DemoEnvironment env, final int writers, final int firstId,
      final int idsPerWriter, final int transactions, final int minPauseMs, final int maxPauseMs, final long seed) {
    final TornOrderCheck check = new TornOrderCheck(env);
    for (int w = 0; w < writers; w++) {
      final int base = firstId + w * idsPerWriter;
      final long writerSeed = seed + w * 1_000L;
      check.writers.add(new Thread(() -> write(env, base, idsPerWriter, transactions, minPauseMs, maxPauseMs,
          writerSeed, check.transactions, check.keepWriting), "torn-check-writer-" + w));
    }
    check.reader.start();
    check.writers.forEach(Thread::start);
    return check;
  }

  /**
   * Makes the writers stop after the transaction each is writing, for a test whose workload must last until its
   * faults are over (a fixed number of rounds may end before them on a fast machine, and on a slow one after).
   */
  void stopWriting() {
    keepWriting.set(false);
  }

  /** Writer transactions committed so far. */
  int transactions() {
    return transactions.get();
  }

  /**
   * Waits for the writers (up to {@code writersWithin}), then until the target equals the legacy database (up
   * to 3 minutes), stops the reader and asserts that it read often enough and saw no torn order.
   */
  void finish(final Connection legacy, final Connection target, final Duration writersWithin,
      final int minTransactions, final int minReads, final String context) throws InterruptedException {
    for (final Thread t : writers) {
      t.join(writersWithin.toMillis());
    }
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
      assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
    });
    reading.set(false);
    reader.join(Duration.ofMinutes(1).toMillis());
    assertThat(transactions.get()).as("writer transactions").isGreaterThanOrEqualTo(minTransactions);
    assertThat(reads.get()).as("consistent reads of the target during the run").isGreaterThan(minReads);
    assertThat(torn).as("torn orders seen by the reader%s", context).isEmpty();
  }

  /**
   * Reads the target in consistent snapshots while {@code reading} (at least 10 times, at most 8 minutes),
   * adding every torn order it sees to {@code torn}.
   */
  private static void read(final DemoEnvironment env, final AtomicBoolean reading, final ConcurrentLinkedQueue<String> torn,
      final AtomicInteger reads) {
    final long until = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    try (Connection c = env.target()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      while ((reading.get() || reads.get() < 10) && System.nanoTime() < until) {
        torn.addAll(tornOrders(c));
        c.commit();
        reads.incrementAndGet();
      }
    } catch (SQLException e) {
      torn.add("reader failed: " + e);
    }
  }

  /** Orders violating the invariant in the reader's snapshot, described. */
  private static List<String> tornOrders(final Connection c) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
        SELECT o.id, o.ship_name, o.freight, count(l.product_id) AS lines,
               count(*) FILTER (WHERE l.quantity <> o.freight) AS off
        FROM sales_order o LEFT JOIN sales_order_line l ON l.order_id = o.id
        WHERE o.ship_name LIKE 'Torn check %'
        GROUP BY o.id, o.ship_name, o.freight
        """)) {
      while (rs.next()) {
        final int expected = Integer.parseInt(rs.getString("ship_name").substring("Torn check ".length()));
        if (rs.getInt("lines") != expected || rs.getInt("off") != 0) {
          out.add("order " + rs.getInt("id") + ": " + rs.getInt("lines") + " of " + expected + " lines, "
              + rs.getInt("off") + " with a quantity other than freight " + rs.getString("freight"));
        }
      }
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT count(*) FROM sales_order_line l WHERE NOT EXISTS (SELECT 1 FROM sales_order o WHERE o.id = l.order_id)")) {
      rs.next();
      if (rs.getInt(1) > 0) {
        out.add(rs.getInt(1) + " lines without their order");
      }
    }
    return out;
  }

  /**
   * Commits up to {@code transactions} transactions on order ids {@code base} to {@code base + ids - 1}: half
   * insert an order (when fewer than {@code ids} are live), three in ten update one, two in ten delete one. After
   * each it pauses {@code minPauseMs} (inclusive) to {@code maxPauseMs} (exclusive) at random.
   */
  private static void write(final DemoEnvironment env, final int base, final int ids, final int transactions,
      final int minPauseMs, final int maxPauseMs, final long seed, final AtomicInteger done,
      final AtomicBoolean keepWriting) {
    final Random random = new Random(seed);
    final List<Integer> live = new ArrayList<>();
    int next = base;
    try (Connection c = env.legacy()) {
      c.setAutoCommit(false);
      for (int i = 0; i < transactions && keepWriting.get(); i++) {
        final int dice = random.nextInt(10);
        if (live.isEmpty() || dice < 5 && live.size() < ids) {
          int id;
          do {
            id = next;
            next = base + (next - base + 1) % ids;
          } while (live.contains(id));
          final int lines = 1 + random.nextInt(5);
          final int quantity = 1 + random.nextInt(90);
          exec(c, "INSERT INTO orders (order_id, customer_id, freight, ship_name) VALUES (" + id + ", 'ALFKI', "
              + quantity + ", 'Torn check " + lines + "')");
          for (int l = 1; l <= lines; l++) {
            exec(c, "INSERT INTO order_details VALUES (" + id + ", " + l + ", 1.5, " + quantity + ", 0)");
          }
          live.add(id);
        } else if (dice < 8) {
          final int id = live.get(random.nextInt(live.size()));
          final int quantity = 1 + random.nextInt(90);
          exec(c, "UPDATE order_details SET quantity = " + quantity + " WHERE order_id = " + id);
          exec(c, "UPDATE orders SET freight = " + quantity + " WHERE order_id = " + id);
        } else {
          final int id = live.remove(random.nextInt(live.size()));
          exec(c, "DELETE FROM order_details WHERE order_id = " + id);
          exec(c, "DELETE FROM orders WHERE order_id = " + id);
        }
        c.commit();
        done.incrementAndGet();
        Thread.sleep(minPauseMs + random.nextInt(maxPauseMs - minPauseMs));
      }
    } catch (SQLException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void exec(final Connection c, final String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.executeUpdate();
    }
  }
}
