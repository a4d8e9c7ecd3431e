package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code scripts/bench restart}: how soon a restarted service applies again. The pipeline streams (connector,
 * processor and sink in their own JVMs, as scripts/ferry runs them); then, for each service and each way of
 * stopping it (a clean stop, SIGTERM, and a crash, kill -9), the service is stopped, one order is committed on
 * the legacy database while it is down, and the service is started again. Prints, per case,
 * {@code restart <service> after <how>: applied X s after the restart} : the time from starting the new JVM to
 * the order being visible in the target (JVM start, Kafka group join and state restore included), the figure
 * an operator waits through in a rolling update or after a crash. {@code --rounds N} repeats every case.
 *
 * <p>{@code --state-lost-after N} adds a last case: N source transactions (an order with its lines each) are
 * committed and applied, then the processor is stopped, its state directory deleted (a container rescheduled
 * without its volume) and started again, so that it restores its stores from their changelogs before it applies.
 */
public final class RestartBenchmark {
  private static final Duration LIMIT = Duration.ofMinutes(3);

  private RestartBenchmark() {
  }

  public static void main(final String[] args) throws Exception {
    int rounds = 1;
    int history = 0;
    for (int i = 0; i < args.length; i++) {
      if ("--rounds".equals(args[i])) {
        rounds = Integer.parseInt(args[++i]);
      } else if ("--state-lost-after".equals(args[i])) {
        history = Integer.parseInt(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: scripts/bench restart [--rounds N] [--state-lost-after TRANSACTIONS]");
      }
    }
    final BenchWork workDir = BenchWork.create("restart");
    final Path work = workDir.dir();
    try (workDir; EmbeddedStack stack = EmbeddedStack.start(work)) {
      final String legacyDb = "restart_legacy";
      final String targetDb = "restart_target";
      stack.legacy().createDatabase(legacyDb);
      stack.target().createDatabase(targetDb);
      BenchPipeline.exec(stack.legacy(), legacyDb, BenchPipeline.LEGACY);
      BenchPipeline.exec(stack.target(), targetDb, BenchPipeline.TARGET);
      try (BenchPipeline pipeline = new BenchPipeline(stack, work, "restart", legacyDb, targetDb)
          .start("sink", "processor", "connector");
          Connection legacy = stack.legacy().connect(legacyDb);
          Connection target = stack.target().connect(targetDb)) {
        legacy.setAutoCommit(false);
        long id = 1;
        order(legacy, id);
        System.out.printf(Locale.ROOT, "first order applied %.1f s after the services were started%n",
            secondsUntilVisible(target, id, System.nanoTime()));
        for (int round = 0; round < rounds; round++) {
          for (final String role : List.of("processor", "sink", "connector")) {
            for (final boolean crash : List.of(false, true)) {
              pipeline.stop(role, crash);
              order(legacy, ++id);
              final long start = System.nanoTime();
              pipeline.start(role);
              System.out.printf(Locale.ROOT, "restart %s after %s: applied %.1f s after the restart%n", role,
                  crash ? "kill -9" : "a clean stop", secondsUntilVisible(target, id, start));
            }
          }
        }
        if (history > 0) {
          final long first = id + 1;
          final long begun = System.nanoTime();
          for (int i = 0; i < history; i++) {
            order(legacy, ++id);
          }
          secondsUntilVisible(target, id, begun);
          System.out.printf(Locale.ROOT, "%,d transactions (%d to %d) committed and applied in %.1f s%n", history,
              first, id, (System.nanoTime() - begun) / 1e9);
          pipeline.stop("processor", false);
          org.apache.kafka.common.utils.Utils.delete(work.resolve("restart-streams").toFile());
          order(legacy, ++id);
          final long start = System.nanoTime();
          pipeline.start("processor");
          System.out.printf(Locale.ROOT, "restart processor after its state directory was lost, %,d transactions "
              + "behind it: applied %.1f s after the restart%n", history, secondsUntilVisible(target, id, start));
        }
      }
    }
  }

  private static void order(final Connection legacy, final long id) throws Exception {
    PipelineBenchmark.insertOrder(legacy, id);
    legacy.commit();
  }

  private static double secondsUntilVisible(final Connection target, final long id, final long since)
      throws Exception {
    final long deadline = System.nanoTime() + LIMIT.toNanos();
    try (PreparedStatement ps = target.prepareStatement("SELECT count(*) FROM sales_order_line WHERE order_id = ?")) {
      ps.setLong(1, id);
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) == BenchPipeline.LINES) {
            return (System.nanoTime() - since) / 1e9;
          }
        }
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("order " + id + " was not applied within " + LIMIT.toMinutes() + " minutes");
  }
}
