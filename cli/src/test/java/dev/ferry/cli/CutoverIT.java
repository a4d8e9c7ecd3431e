package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.LiveWorkload;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.cutover.Cutover;
import dev.ferry.cutover.Leg;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.LiveDirection;
import dev.ferry.schemas.LiveDirection.Direction;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry cutover} on Northwind, in process: forward sync under a live workload until the freeze, the cutover,
 * orders written in the new system reaching the legacy one, a rollback, and the legacy application writing again.
 */
class CutoverIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  private record Sync(DemoEnvironment env, FerryConfig forward, FerryConfig reverse) {
    Leg forwardLeg() {
      return Directions.leg(forward);
    }

    Leg reverseLeg() {
      return Directions.leg(reverse);
    }
  }

  private Sync directions(final String name) throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, name);
    final FerryConfig forward = FerryConfig.resolve(env.cutoverSource(),
        EnumSet.allOf(Role.class), work);
    final Path back = Files.createDirectories(work.resolve(name + "_back"));
    Files.writeString(back.resolve("mapping.yaml"), Directions.reverseMapping(forward, System.out).yaml());
    final FerryConfig reverse = FerryConfig.resolve(env.reverseSource(back.resolve("mapping.yaml"), back),
        EnumSet.allOf(Role.class), back);
    return new Sync(env, forward, reverse);
  }

  private record Ran(int exit, String output) {
  }

  /** How the operator freezes: by their word, by Ferry's fence, or not yet. */
  private enum Freeze { NONE, WRITERS_STOPPED, FENCE }

  private static Ran cutover(final Leg draining, final Leg opening, final FerryConfig forward,
      final Freeze freeze) throws Exception {
    return cutover(draining, opening, forward, freeze, null);
  }

  /** As above; {@code atDrain} runs (once, on its own thread) when the cutover prints its drain step. */
  private static Ran cutover(final Leg draining, final Leg opening, final FerryConfig forward,
      final Freeze freeze, final Runnable atDrain) throws Exception {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicBoolean drainSeen = new AtomicBoolean();
    final PrintStream both = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(final int b) {
        bytes.write(b);
        System.out.write(b);
        if (b == '\n' && atDrain != null && bytes.toString(StandardCharsets.UTF_8).contains("3. drain")
            && drainSeen.compareAndSet(false, true)) {
          new Thread(atDrain, "at-drain").start();
        }
      }
    }, true, StandardCharsets.UTF_8);
    final int exit = new Cutover(draining, opening, forward.sink().history(), both).run(new Cutover.Options(
        freeze == Freeze.WRITERS_STOPPED, freeze == Freeze.FENCE, false, Duration.ofMinutes(3), Duration.ofMinutes(1),
        Duration.ofSeconds(1), null));
    both.flush();
    return new Ran(exit, bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void cutOverUnderAWorkloadThenWriteTheNewSystemThenRollBackWithNothingLostOrEchoed() throws Exception {
    final Sync d = directions("it_cutover");
    final DemoEnvironment env = d.env();
    try (Pipeline forward = new Pipeline(d.forward()).start(); Connection legacy = env.legacy();
        Connection target = env.target(); Connection workloadConnection = env.legacy()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      // the reverse services start once the initial sync is done, as an operator would start them (creating a slot
      // with an exported snapshot while the sync's transactions run can fail: "initial slot snapshot too large")
      final Pipeline reverse = new Pipeline(d.reverse()).start();
      // the legacy application runs until the freeze
      final LiveWorkload workload = new LiveWorkload(workloadConnection, 42);
      final AtomicBoolean writing = new AtomicBoolean(true);
      final Thread app = new Thread(() -> {
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (writing.get() && System.nanoTime() < deadline) {
          try {
            workload.step();
            Thread.sleep(20);
          } catch (Exception e) {
            return;
          }
        }
      }, "legacy-application");
      app.start();
      Thread.sleep(3_000);

      final Ran notStopped = cutover(d.forwardLeg(), d.reverseLeg(), d.forward(), Freeze.NONE);
      assertThat(notStopped.exit()).as(notStopped.output()).isEqualTo(Cutover.REFUSED);
      assertThat(notStopped.output()).contains("ok   the reverse mapping fits both databases")
          .contains("replication slot it_cutover_back").contains("then run the same command with "
              + "--writers-stopped");
      writing.set(false);
      app.join(10_000);
      assertThat(workload.inserts() + workload.updates() + workload.deletes()).isPositive();

      // a writer nobody stopped (a job, a second instance): one order committed after the freeze, while the cutover
      // drains. The drain and the gate take it along, but the flip must not happen: after it, the forward direction
      // holds, and the order would reach the new system only at a rollback
      final AtomicBoolean lateWritten = new AtomicBoolean();
      final Ran late = cutover(d.forwardLeg(), d.reverseLeg(), d.forward(), Freeze.WRITERS_STOPPED, () -> {
        try (Connection c = env.legacy(); Statement s = c.createStatement()) {
          s.execute("INSERT INTO orders (order_id, customer_id, freight, ship_name) "
              + "VALUES (29001, 'ALFKI', 1, 'Late')");
          lateWritten.set(true);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(lateWritten).as("the late order written").isTrue();
      assertThat(late.exit()).as(late.output()).isEqualTo(Cutover.BLOCKED);
      assertThat(late.output()).contains("after the freeze at").contains("public.orders (1 transaction)")
          .contains("nothing was flipped");
      assertThat(LiveDirection.read(d.forward().sink().kafka(), d.forward().sink().control().topic()).state()
          .direction()).as("the live direction after the late write").isEqualTo(Direction.FORWARD);

      // this time Ferry fences the legacy tables: from the freeze on, the legacy application's writes are refused, and
      // the fence stays while the new system leads (the legacy database is the fallback, written by Ferry alone)
      final AtomicBoolean fenceRefused = new AtomicBoolean();
      final Ran cut = cutover(d.forwardLeg(), d.reverseLeg(), d.forward(), Freeze.FENCE, () -> fenceRefused.set(
          refusedByFence(env::legacy, "INSERT INTO orders (order_id, customer_id, freight, ship_name) "
              + "VALUES (29002, 'ALFKI', 1, 'Fenced')", "public.orders")));
      assertThat(cut.exit()).as(cut.output()).isEqualTo(Cutover.DONE);
      assertThat(cut.output()).contains("resuming cutover").contains("(done: [preflight])")
          .contains("fenced 4 table(s)")
          .contains("drained in")
          .contains("the gate is open: nothing unexplained").contains("the forward sink holds and the reverse sink "
              + "applies");
      assertThat(RowCounts.of(legacy, target).match()).as("every legacy write before the freeze arrived").isTrue();
      assertThat(LiveDirection.read(d.forward().sink().kafka(), d.forward().sink().control().topic()).state()
          .direction()).isEqualTo(Direction.REVERSE);

      // the fence refused the legacy application's write in the drain
      await().atMost(Duration.ofSeconds(10)).untilTrue(fenceRefused);
      assertThat(refusedByFence(env::legacy, "UPDATE orders SET ship_city = 'Fenced' WHERE order_id = 10248",
          "public.orders")).isTrue();
      assertThat(refusedByFence(env::legacy, "DELETE FROM order_details WHERE order_id = 10249",
          "public.order_details")).isTrue();
      // the new system's application writes now
      final long forwardEchoes = forward.processor().echoTransactionsDropped();
      try (Statement s = target.createStatement()) {
        target.setAutoCommit(false);
        s.execute("INSERT INTO sales_order (id, customer_code, employee_id, order_date, shipper_id, freight, "
            + "ship_country_code, ferry_version) VALUES (30001, 'ALFKI', 4, DATE '2026-12-02', 2, 7.5, 'DE', 0)");
        s.execute("INSERT INTO sales_order_line (order_id, product_id, unit_price, quantity, discount, ferry_version) "
            + "VALUES (30001, 1, 18.00, 2, 0, 0), (30001, 2, 19.00, 1, 0, 0)");
        target.commit();
        s.execute("UPDATE sales_order SET freight = 55.55 WHERE id = 10250");
        s.execute("DELETE FROM sales_order_line WHERE order_id = 10251");
        s.execute("DELETE FROM sales_order WHERE id = 10251");
        target.commit();
        target.setAutoCommit(true);
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> count(legacy, "SELECT count(*) FROM order_details WHERE "
          + "order_id = 30001") == 2 && count(legacy, "SELECT count(*) FROM orders WHERE order_id = 10251") == 0
          && count(legacy, "SELECT count(*) FROM orders WHERE order_id = 10250 AND abs(freight - 55.55) < 0.001") == 1);
      // the reverse sink's writes come back to the forward processor, which drops them: no echo
      await().atMost(Duration.ofMinutes(1)).until(() -> forward.processor().echoTransactionsDropped()
          >= forwardEchoes + 2);
      assertThat(RowCounts.of(legacy, target).match()).as("both databases hold the same orders and lines").isTrue();

      // rollback: the new application is fenced out, the legacy one is live again (its fence lifted at the flip); the
      // forward sink writes the fenced new system all the same
      final Ran back = cutover(d.reverseLeg(), d.forwardLeg(), d.forward(), Freeze.FENCE);
      assertThat(back.exit()).as(back.output()).isEqualTo(Cutover.DONE);
      assertThat(back.output()).contains("the gate is open").contains("the reverse sink holds and the forward sink "
          + "applies").contains("lifted the fence from 4 table(s) of");
      assertThat(refusedByFence(env::target, "UPDATE sales_order SET freight = 1 WHERE id = 10252",
          "public.sales_order")).as("the new system fenced at the rollback").isTrue();
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE orders SET ship_city = 'Lyon-rollback' WHERE order_id = 10252");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "SELECT count(*) FROM sales_order WHERE id = "
          + "10252 AND ship_city = 'Lyon-rollback'") == 1);
      assertThat(RowCounts.of(legacy, target).match()).isTrue();
      assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = 30001")).isEqualTo(2);
      assertThat(count(legacy, "SELECT count(*) FROM orders WHERE order_id IN (29002, 10248) AND ship_name = 'Fenced' "
          + "OR ship_city = 'Fenced'")).as("no fenced write happened").isZero();
      assertThat(reverse.processor().echoTransactionsDropped()).as("the forward sink's writes were dropped by the "
          + "reverse processor").isPositive();
      assertThat(d.forward().sink().history().recent(RunHistory.Kind.CUTOVER, 50)).extracting(RunHistory.Entry::summary)
          .contains("cutover to reverse, report: forward -> reverse done", "cutover to forward, report: reverse -> "
              + "forward done");
      reverse.close();
    }
  }

  @Test
  void theGateClosesOnAPlantedDifferenceNamesItAndOpensOnceItIsFixed() throws Exception {
    final Sync d = directions("it_gate");
    final DemoEnvironment env = d.env();
    try (Pipeline forward = new Pipeline(d.forward()).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      final Pipeline reverse = new Pipeline(d.reverse()).start();
      final String freight;
      try (Statement s = target.createStatement()) {
        s.execute("UPDATE sales_order SET freight = freight + 1 WHERE id = 10249");
        try (ResultSet rs = s.executeQuery("SELECT freight FROM sales_order WHERE id = 10249")) {
          rs.next();
          freight = rs.getBigDecimal(1).toPlainString();
        }
      }
      final Ran closed = cutover(d.forwardLeg(), d.reverseLeg(), d.forward(), Freeze.WRITERS_STOPPED);
      assertThat(closed.exit()).as(closed.output()).isEqualTo(Cutover.BLOCKED);
      assertThat(closed.output()).contains("the gate is closed: 1 unexplained")
          .contains("sales_order 10249: different freight").contains("-> " + freight);
      assertThat(LiveDirection.read(d.forward().sink().kafka(), d.forward().sink().control().topic()).state()
          .direction()).as("nothing flipped").isEqualTo(Direction.FORWARD);

      try (Statement s = target.createStatement()) {
        s.execute("UPDATE sales_order SET freight = freight - 1 WHERE id = 10249");
      }
      final Ran open = cutover(d.forwardLeg(), d.reverseLeg(), d.forward(), Freeze.WRITERS_STOPPED);
      assertThat(open.exit()).as(open.output()).isEqualTo(Cutover.DONE);
      assertThat(open.output()).contains("resuming cutover").contains("done: [preflight, freeze, drain]")
          .contains("the gate is open");
      reverse.close();
    }
  }

  /** Whether {@code sql}, run as an application would, was refused by Ferry's fence on {@code table}. */
  private static boolean refusedByFence(final java.util.concurrent.Callable<Connection> database, final String sql,
      final String table) {
    try (Connection c = database.call(); Statement s = c.createStatement()) {
      s.execute(sql);
      return false;
    } catch (java.sql.SQLException e) {
      System.out.println("refused as expected: " + e.getMessage());
      return "25006".equals(e.getSQLState()) && e.getMessage().contains("ferry: " + table + " is fenced by cutover");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
