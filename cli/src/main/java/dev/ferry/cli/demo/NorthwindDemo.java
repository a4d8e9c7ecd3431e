package dev.ferry.cli.demo;

import dev.ferry.cli.Pipeline;
import dev.ferry.cli.PipelineDrain;
import dev.ferry.cli.StopSignal;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.ConfluentRegistryClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code ferry demo}: the embedded stack, Northwind as the legacy system, the initial sync, then a live
 * workload, with progress as it goes. With {@code once}, a fixed workload, a wait until the target has
 * caught up, a reconciliation row by row through the mapping, and the row counts of both sides; the result says
 * whether they match.
 */
public final class NorthwindDemo {
  /** Transactions the {@code --once} workload runs. */
  public static final int ONCE_TRANSACTIONS = 200;
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(5);

  private final PrintStream out;
  private final Path workDir;
  private StopSignal stop = StopSignal.none();

  public NorthwindDemo(final PrintStream out, final Path workDir) {
    this.out = out;
    this.workDir = workDir;
  }

  /**
   * Compares both sides row by row through the mapping ({@code ferry reconcile}), prints what it found and where its
   * report is; returns the differences no dead letter explains.
   */
  private long reconcile(final EmbeddedStack stack, final DemoEnvironment env) throws Exception {
    out.println("Reconciling row by row through the mapping (ferry reconcile) ...");
    final var config = env.config();
    final var sink = config.sink();
    final Reconciliation.Result result = Reconciliation.run(new Reconciliation.Inputs(config.processor().mapping(),
        () -> config.connector().connect(), () -> sink.connect("ferry-reconcile"), sink.versionColumn(), Duration.ZERO),
        Reconciliation.DeadLetterIndexSource.topic(sink.kafka(), sink.kafka().topics(
            new ConfluentRegistryClient(stack.registry().url())).deadLetter()),
        new PrintStream(java.io.OutputStream.nullOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8));
    result.tableLines().forEach(l -> out.println("  " + l));
    final Path report = workDir.resolve("report");
    ReconcileReport.write(result, report);
    out.printf(Locale.ROOT, "Reconciliation: %,d unexplained, %,d explained difference(s); report %s%n",
        result.unexplained(), result.explained(), report.resolve("reconcile.html"));
    return result.unexplained();
  }

  /**
   * Runs the demo.
   *
   * @return true when (in {@code once} mode) source and target counts match and reconcile finds nothing unexplained,
   *     or the demo was stopped cleanly
   */
  public boolean run(final boolean once) throws Exception {
    final long t0 = System.nanoTime();
    out.println("Starting the embedded stack (Kafka, schema registry, legacy and target PostgreSQL) ...");
    try (EmbeddedStack stack = EmbeddedStack.start(workDir)) {
      out.printf(Locale.ROOT, "Stack up in %.1f s: Kafka %s, registry %s%n", stack.startupTime().toMillis() / 1000.0,
          stack.kafka().bootstrapServers(), stack.registry().url());
      final DemoEnvironment env = DemoEnvironment.create(stack, workDir, "northwind", DemoEnvironment.environment());
      DemoEnvironment.sayTakenFromEnvironment(out, env.source(), "");
      out.println("Legacy database : " + stack.legacy().jdbcUrl(env.legacyDatabase()) + "  (Northwind loaded)");
      out.println("Target database : " + stack.target().jdbcUrl(env.targetDatabase()) + "  (new schema, empty)");
      if (!once) {
        stop = StopSignal.install("ferry-demo-stop");
      }
      try (Pipeline pipeline = new Pipeline(env.config()).start();
          Connection legacy = env.legacy(); Connection target = env.target()) {
        out.println("Pipeline running: capture -> Kafka -> processor -> sink. Initial sync"
            + (env.config().connector().loadsDirectly() ? " (the connector loads the tables straight to the apply topic)"
            : "") + " ...");
        pipeline.announceOps(out);
        final boolean synced = waitUntilCaughtUp(pipeline, legacy, target, "initial sync");
        if (!synced) {
          return false;
        }
        final LiveWorkload workload = new LiveWorkload(legacy, 42);
        if (once) {
          out.printf(Locale.ROOT, "Live workload: %d transactions on the legacy database ...%n", ONCE_TRANSACTIONS);
          for (int i = 0; i < ONCE_TRANSACTIONS; i++) {
            workload.step();
          }
          workload.deleteAllInserted();
          out.println("Workload done: " + workload.summary() + " (every inserted order deleted again, so the "
              + "counts return to Northwind's). Waiting for the target to catch up ...");
          waitUntilCaughtUp(pipeline, legacy, target, "live sync");
          final long unexplained = reconcile(stack, env);
          final RowCounts counts = RowCounts.of(legacy, target);
          out.printf(Locale.ROOT, "Done in %.1f s. Rows per table:%n", (System.nanoTime() - t0) / 1e9);
          out.print(counts.table());
          final boolean match = counts.match() && unexplained == 0;
          out.println(match ? "RESULT: source and target match" : "RESULT: source and target DIFFER");
          return match;
        }
        out.println("Live workload running (a transaction every 250 ms). Press Ctrl-C to stop.");
        long lastReport = 0;
        while (!stop.requested()) {
          try {
            workload.step();
          } catch (SQLException e) {
            if (stop.requested()) {
              break;
            }
            throw e;
          }
          Thread.sleep(250);
          if (System.nanoTime() - lastReport > Duration.ofSeconds(3).toNanos()) {
            lastReport = System.nanoTime();
            report(pipeline, RowCounts.of(legacy, target), workload.summary());
          }
        }
        out.println("Stopping ... (changes in flight at this moment are not waited for)");
        try {
          out.print(RowCounts.of(legacy, target).table());
        } catch (SQLException e) {
          out.println("(the databases were already stopped by the interrupt; no final counts)");
        }
        return true;
      }
    } finally {
      stop.done();
    }
  }

  /** Waits until the pipeline has drained and the row counts match; row counts alone are no proof. */
  private boolean waitUntilCaughtUp(final Pipeline pipeline, final Connection legacy, final Connection target,
      final String phase) throws InterruptedException {
    final RowCounts[] last = new RowCounts[1];
    final boolean done = PipelineDrain.await(pipeline, CATCH_UP_TIMEOUT, () -> {
      try {
        last[0] = RowCounts.of(legacy, target);
        return last[0].match();
      } catch (SQLException e) {
        return false;
      }
    }, () -> {
      if (last[0] != null) {
        report(pipeline, last[0], phase);
      }
    }, stop::requested, problem -> out.println(phase + ": " + problem));
    if (done) {
      report(pipeline, last[0], phase + " complete");
    }
    return done;
  }

  private void report(final Pipeline pipeline, final RowCounts counts, final String phase) {
    final long lastTs = pipeline.sink().lastSourceTsMs();
    final long pending = pipeline.sink().lag();
    final String lag = pending == 0 ? "caught up" : lastTs == 0 ? "-" : String.format(Locale.ROOT,
        "%.1fs behind, %,d records pending", Math.max(0, System.currentTimeMillis() - lastTs) / 1000.0, pending);
    out.printf(Locale.ROOT, "[%s] %s | rows applied %,d | dead letters %,d | %s | sink: %s%n", phase,
        pipeline.captureProgress(), pipeline.sink().applied(), pipeline.sink().failed(), counts.progress(), lag);
  }
}
