package dev.ferry.cli.demo;

import dev.ferry.cli.Directions;
import dev.ferry.cli.FerryConfig;
import dev.ferry.cli.Pipeline;
import dev.ferry.cli.PipelineDrain;
import dev.ferry.config.ConfigSource;
import dev.ferry.cutover.Cutover;
import dev.ferry.cutover.Leg;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.TopicToEnd;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code ferry demo --cutover --once}: the cutover story on Northwind. The forward sync under a live workload on the
 * legacy database; the cutover (the legacy application stops, the sync drains, the gate reconciles, the direction
 * flips); the new system's application writing orders that reach the legacy database; a rollback; a last workload
 * on the legacy database. It ends with a reconciliation through the forward mapping and a count of the apply
 * topics: while a direction held, its apply topic took nothing, so no write of the other direction's sink came
 * back. The result is true only if both databases match and nothing echoed.
 */
public final class CutoverDemo {
  private static final int LEGACY_TRANSACTIONS = 100;
  private static final int NEW_TRANSACTIONS = 60;
  private static final Duration WAIT = Duration.ofMinutes(5);

  private final PrintStream out;
  private final Path workDir;
  private final ConfigSource base;

  public CutoverDemo(final PrintStream out, final Path workDir) {
    this(out, workDir, ConfigSource.empty());
  }

  /**
   * @param base settings a user gives the demo ({@code FERRY_*} variables, {@link DemoEnvironment#environment}): they
   *     apply to both directions, under the embedded stack's own and each direction's (where things are, names, the
   *     reverse direction's capture and marks)
   */
  public CutoverDemo(final PrintStream out, final Path workDir, final ConfigSource base) {
    this.out = out;
    this.workDir = workDir;
    this.base = base;
  }

  public boolean run() throws Exception {
    final long t0 = System.nanoTime();
    out.println("Starting the embedded stack (Kafka, schema registry, legacy and target PostgreSQL) ...");
    try (EmbeddedStack stack = EmbeddedStack.start(workDir)) {
      final DemoEnvironment env = DemoEnvironment.create(stack, workDir, "northwind", base);
      DemoEnvironment.sayTakenFromEnvironment(out, env.source(), " (both directions)");
      final FerryConfig forward = FerryConfig.resolve(env.cutoverSource(),
          java.util.EnumSet.allOf(dev.ferry.cli.Role.class), workDir);
      final Path back = Files.createDirectories(workDir.resolve("northwind_back"));
      Files.writeString(back.resolve("mapping.yaml"), Directions.reverseMapping(forward, out).yaml());
      final FerryConfig reverse = FerryConfig.resolve(env.reverseSource(back.resolve("mapping.yaml"), back),
          java.util.EnumSet.allOf(dev.ferry.cli.Role.class), back);
      out.println("Legacy database : " + stack.legacy().jdbcUrl(env.legacyDatabase()) + "  (Northwind)");
      out.println("New system      : " + stack.target().jdbcUrl(env.targetDatabase()));
      out.println("Reverse mapping : " + back.resolve("mapping.yaml") + "  (drafted by ferry mapping reverse)");
      final Leg forwardLeg = Directions.leg(forward);
      final Leg reverseLeg = Directions.leg(reverse);
      try (Pipeline f = new Pipeline(forward).start(); Connection legacy = env.legacy();
          Connection target = env.target()) {
        out.println("\n== Forward sync: legacy -> new ==");
        f.announceOps(out);
        if (!caughtUp(f, legacy, target, "initial sync")) {
          return false;
        }
        // the reverse services start before the cutover and hold until it (not during the initial sync: creating a
        // replication slot while that many transactions run can fail, "initial slot snapshot too large")
        out.println("Starting the reverse direction: new -> legacy, holding until the cutover");
        try (Pipeline r = new Pipeline(reverse).start()) {
          r.announceOps(out);
          return story(f, r, legacy, target, forward, reverse, forwardLeg, reverseLeg, t0);
        }
      }
    }
  }

  private boolean story(final Pipeline f, final Pipeline r, final Connection legacy, final Connection target,
      final FerryConfig forward, final FerryConfig reverse, final Leg forwardLeg, final Leg reverseLeg, final long t0)
      throws Exception {
    final LiveWorkload legacyApp = new LiveWorkload(legacy, 42);
    for (int i = 0; i < LEGACY_TRANSACTIONS; i++) {
      legacyApp.step();
    }
    out.println("Legacy application: " + legacyApp.summary() + "; now it stops for the cutover.");

    out.println("\n== Cutover: ferry cutover --fence ==");
    if (cutover(forwardLeg, reverseLeg, forward, true) != Cutover.DONE || !fenced(legacy)) {
      return false;
    }
    final long forwardApplyAtFlip = records(forward.sink().kafka(), topic(forward));

    out.println("\n== The new system is live: its application writes, Ferry keeps the legacy database current ==");
    final NewSystemWorkload newApp = new NewSystemWorkload(target, 7);
    for (int i = 0; i < NEW_TRANSACTIONS; i++) {
      newApp.step();
    }
    out.printf(Locale.ROOT, "New application: %d transactions, %d orders kept, numbered by its identity from %,d%n",
        newApp.transactions(), newApp.ordersKept(), newApp.firstOrderId());
    if (!caughtUp(r, legacy, target, "reverse sync")) {
      return false;
    }
    final long echoedForward = records(forward.sink().kafka(), topic(forward)) - forwardApplyAtFlip;
    out.printf(Locale.ROOT, "Echo check: the forward processor dropped %d transactions the reverse sink wrote; "
        + "its apply topic took %d records while the reverse direction was live%n",
        f.processor().echoTransactionsDropped(), echoedForward);

    out.println("\n== Rollback: ferry cutover --rollback --writers-stopped ==");
    if (cutover(reverseLeg, forwardLeg, forward, false) != Cutover.DONE) {
      return false;
    }
    final long reverseApplyAtRollback = records(reverse.sink().kafka(), topic(reverse));
    for (int i = 0; i < LEGACY_TRANSACTIONS / 4; i++) {
      legacyApp.step();
    }
    out.println("Legacy application again: " + legacyApp.summary());
    if (!caughtUp(f, legacy, target, "forward sync")) {
      return false;
    }
    final long echoedBack = records(reverse.sink().kafka(), topic(reverse)) - reverseApplyAtRollback;
    out.printf(Locale.ROOT, "Echo check: the reverse processor dropped %d transactions the forward sink wrote; "
        + "its apply topic took %d records after the rollback%n", r.processor().echoTransactionsDropped(),
        echoedBack);

    out.println("\n== Result ==");
    final long unexplained = reconcile(forward);
    final RowCounts counts = RowCounts.of(legacy, target);
    out.print(counts.table());
    final boolean ok = counts.match() && unexplained == 0 && echoedForward == 0 && echoedBack == 0;
    out.printf(Locale.ROOT, "Done in %.1f s.%n", (System.nanoTime() - t0) / 1e9);
    out.println(ok ? "RESULT: both databases match through the mappings, and nothing echoed"
        : "RESULT: the databases DIFFER or a write echoed");
    return ok;
  }

  /**
   * Whether the legacy application, had it not been stopped, could not write any more: the cutover fenced its
   * tables. Its write is refused; Ferry's reverse sink writes there all the same (the story goes on to show it).
   */
  private boolean fenced(final Connection legacy) throws SQLException {
    try (Statement s = legacy.createStatement()) {
      s.executeUpdate("UPDATE orders SET freight = freight WHERE order_id = (SELECT min(order_id) FROM orders)");
      legacy.commit();
      out.println("The legacy application wrote after the cutover: the fence did NOT hold");
      return false;
    } catch (SQLException e) {
      legacy.rollback();
      out.println("The legacy application tries to write once more: refused (" + e.getMessage().lines().findFirst()
          .orElse("") + ")");
      return true;
    }
  }

  private int cutover(final Leg draining, final Leg opening, final FerryConfig forward, final boolean fence)
      throws Exception {
    return new Cutover(draining, opening, forward.sink().history(), out).run(new Cutover.Options(!fence, fence, false,
        WAIT, Duration.ofMinutes(1), Duration.ofSeconds(2), workDir.resolve("report")));
  }

  /** Waits until {@code p} has drained and both databases hold as many rows per table. */
  private boolean caughtUp(final Pipeline p, final Connection legacy, final Connection target, final String phase)
      throws InterruptedException {
    final boolean done = PipelineDrain.await(p, WAIT, () -> {
      try {
        return RowCounts.of(legacy, target).match();
      } catch (java.sql.SQLException e) {
        return false;
      }
    }, () -> out.println("  " + phase + ": waiting ..."), () -> false, problem -> out.println(phase + ": " + problem));
    out.println(done ? "  " + phase + ": caught up" : "  " + phase + ": did NOT catch up");
    return done;
  }

  private long reconcile(final FerryConfig forward) throws Exception {
    final var sink = forward.sink();
    final Reconciliation.Result result = Reconciliation.run(new Reconciliation.Inputs(forward.processor().mapping(),
        () -> forward.connector().connect(), () -> sink.connect("ferry-reconcile"), sink.versionColumn(), Duration.ofSeconds(2)),
        Reconciliation.DeadLetterIndexSource.topic(sink.kafka(), sink.kafka().topics(sink.kafka().registry())
            .deadLetter()), new PrintStream(java.io.OutputStream.nullOutputStream()));
    result.tableLines().forEach(l -> out.println("  " + l));
    ReconcileReport.write(result, workDir.resolve("report"));
    out.printf(Locale.ROOT, "Reconciliation through the forward mapping: %,d unexplained%n", result.unexplained());
    return result.unexplained();
  }

  private static String topic(final FerryConfig c) {
    return c.sink().kafka().topics(c.sink().kafka().registry()).apply().name();
  }

  /** Committed records of {@code topic} (transaction markers not counted). */
  static long records(final KafkaSettings kafka, final String topic) {
    return TopicToEnd.count(kafka, topic);
  }
}
