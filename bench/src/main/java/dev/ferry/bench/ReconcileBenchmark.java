package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/bench reconcile} and {@code scripts/bench audit}: how long {@code ferry reconcile} (or {@code ferry
 * audit}) takes over a migrated database of about 1,000,000 header/detail rows, run as shipped (its own JVM, the
 * services' 512 MB heap, so that its memory bound shows). The target holds what a sync would have written, with three
 * differences put in (a changed total, a deleted line, an extra line) that reconcile must find; the audit's dry run
 * must find the one legacy line with a negative quantity, which its mapping refuses.
 */
public final class ReconcileBenchmark {
  private ReconcileBenchmark() {
  }

  public static void main(final String[] args) throws Exception {
    int rows = 1_000_000;
    boolean audit = false;
    for (int i = 0; i < args.length; i++) {
      if ("--audit".equals(args[i])) {
        audit = true;
      } else if ("--rows".equals(args[i])) {
        rows = Integer.parseInt(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: scripts/bench reconcile [--rows N]");
      }
    }
    final int orders = rows / (BenchPipeline.LINES + 1);
    final BenchWork workDir = BenchWork.create("reconcile");
    final Path work = workDir.dir();
    try (workDir; EmbeddedStack stack = EmbeddedStack.start(work)) {
      stack.legacy().createDatabase("rec_legacy");
      stack.target().createDatabase("rec_target");
      BenchPipeline.exec(stack.legacy(), "rec_legacy", BenchPipeline.LEGACY);
      BenchPipeline.exec(stack.legacy(), "rec_legacy", "INSERT INTO orders SELECT g, 'customer ' || (g % 1000), 7.50 "
          + "FROM generate_series(1, " + orders + ") g; INSERT INTO order_lines SELECT g, l, l, 2.50 FROM "
          + "generate_series(1, " + orders + ") g, generate_series(1, " + BenchPipeline.LINES + ") l; "
          + "UPDATE order_lines SET quantity = -1 WHERE order_id = 7 AND line_no = 1; ANALYZE");
      BenchPipeline.exec(stack.target(), "rec_target", BenchPipeline.TARGET);
      BenchPipeline.exec(stack.target(), "rec_target", "INSERT INTO sales_order SELECT g, 'customer ' || (g % 1000), "
          + "7.50, 1 FROM generate_series(1, " + orders + ") g; INSERT INTO sales_order_line SELECT g, l, l, 2.50, 1 "
          + "FROM generate_series(1, " + orders + ") g, generate_series(1, " + BenchPipeline.LINES + ") l; "
          + "UPDATE sales_order SET total = 7.51 WHERE id = " + (orders / 2) + "; "
          + "UPDATE sales_order_line SET quantity = -1 WHERE order_id = 7 AND line_no = 1; "
          + "DELETE FROM sales_order_line WHERE order_id = " + (orders / 3) + " AND line_no = 2; "
          + "INSERT INTO sales_order_line VALUES (1, 99, 1, 1.00, 1); ANALYZE");
      System.out.printf(Locale.ROOT, "legacy and target: %,d orders and %,d lines each, 3 differences put in%n",
          orders, (long) orders * BenchPipeline.LINES);

      try (BenchPipeline pipeline = new BenchPipeline(stack, work, "reconcile", "rec_legacy", "rec_target")) {
        if (audit) {
          // the audit's dry run has a rule to apply to every line
          final Path mapping = work.resolve("mapping.yaml");
          Files.writeString(mapping, Files.readString(mapping).stripTrailing()
              + "\n    rules:\n      - {id: quantity-positive, field: quantity, min: 1}\n");
        }
        final List<String> command = new ArrayList<>(ServiceProcesses.serviceJvmOptions("reconcile"));
        command.addAll(ServiceProcesses.optionsFromEnvironment("BENCH_RECONCILE_JVM_OPTS"));
        command.addAll(List.of("-cp", System.getProperty("ferry.cli.classpath"), "dev.ferry.cli.Ferry",
            audit ? "audit" : "reconcile", "--config", work.resolve("reconcile.yaml").toString(), "--report",
            work.resolve("report").toString()));
        if (!audit) {
          command.addAll(List.of("--settle", "0s"));
        }
        final Path log = work.resolve((audit ? "audit" : "reconcile") + "-command.log");
        final long started = System.nanoTime();
        final Process p = ServiceProcesses.start(command, log);
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException("the command did not finish within 15 minutes; see " + log);
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        final String output = Files.readString(log);
        System.out.print(output.lines().filter(l -> (l.startsWith("  ") && !l.startsWith("  mapping ")) || l.contains(
            "RECONCILED") || l.contains("audited") || l.contains("peak")).map(l -> l + "\n").reduce("", String::concat));
        final boolean found = audit ? output.contains("the mapping would refuse 1;")
            : output.contains("NOT RECONCILED: 3 unexplained");
        System.out.printf(Locale.ROOT, "%s rows=%,d seconds=%.1f (JVM start included) found: %s exit=%d heap %s%n",
            audit ? "audit" : "reconcile", (long) orders * (BenchPipeline.LINES + 1), seconds,
            found ? (audit ? "the refused line" : "3 differences of 3") : "WRONG, see " + log, p.exitValue(),
            ServiceProcesses.heapOption(command));
      }
    }
  }
}
