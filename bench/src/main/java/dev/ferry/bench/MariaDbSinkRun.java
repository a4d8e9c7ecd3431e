package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One run of Ferry's sink into a MariaDB target ({@code scripts/bench sink --target mariadb}), started as
 * {@code scripts/ferry} starts it, on the same apply topic as the PostgreSQL runs. Timed from its first commit to the
 * moment its offsets in the target (written in the same transactions as the rows) account for every event; then the
 * rows are checked once against the workload's final state.
 */
final class MariaDbSinkRun {
  private MariaDbSinkRun() {
  }

  static SinkBenchmark.Result run(final EmbeddedMariaDb server, final String bootstrap, final String registry,
      final Path work, final Workload workload, final int run, final String classpath, final String table,
      final int batch) throws Exception {
    final String db = "bench_ferry_mariadb_" + run;
    // BENCH_MARIADB_URL_OPTIONS: driver options appended to the target's URL (?useBulkStmts=true), to compare
    final String url = server.createDatabase(db) + System.getenv().getOrDefault("BENCH_MARIADB_URL_OPTIONS", "");
    try (Connection c = server.connect(db); Statement s = c.createStatement()) {
      s.execute(String.format(Locale.ROOT, table, "ferry_version bigint NOT NULL,"));
    }
    final Path config = work.resolve("ferry-sink-mariadb-" + run + ".yaml");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap-servers: \"" + bootstrap + "\"",
        "registry.url: \"" + registry + "\"",
        "topics.prefix: bench",
        "target.jdbc-url: \"" + url + "\"",
        "target.user: " + EmbeddedMariaDb.USER,
        "sink.group-id: bench-ferry-mariadb-" + run,
        "sink.batch-size: " + batch, ""));
    final Path log = work.resolve("ferry-sink-mariadb-" + run + ".log");
    final List<String> jvm = new ArrayList<>(ServiceProcesses.serviceJvmOptions("sink"));
    jvm.addAll(ServiceProcesses.optionsFromEnvironment("BENCH_SINK_JVM_OPTS"));
    jvm.addAll(List.of("-cp", classpath, "dev.ferry.cli.Ferry", "sink", "--config", config.toString()));
    final Process sink = ServiceProcesses.start(jvm, log);
    try {
      return timed(server, db, workload, sink);
    } finally {
      sink.destroy();
      sink.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static SinkBenchmark.Result timed(final EmbeddedMariaDb server, final String db, final Workload workload,
      final Process sink) throws Exception {
    long first = -1;
    long appliedAtFirst = 0;
    double cpuAtFirst = Double.NaN;
    final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
    try (Connection c = server.connect(db); Statement s = c.createStatement()) {
      while (System.nanoTime() < deadline) {
        if (!sink.isAlive()) {
          throw new IllegalStateException("the sink process exited with " + sink.exitValue() + "; see its log");
        }
        final long now = System.nanoTime();
        final long applied = applied(s);
        if (first < 0 && applied > 0) {
          first = now;
          appliedAtFirst = applied;
          cpuAtFirst = CpuTime.machineBusy();
        } else if (first >= 0 && applied == workload.events()) {
          final double seconds = (now - first) / 1e9;
          final double cpu = CpuTime.machineBusy() - cpuAtFirst;
          try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(quantity), 0) FROM order_line")) {
            rs.next();
            if (rs.getLong(1) != workload.expectedRows() || rs.getLong(2) != workload.expectedQuantity()) {
              throw new IllegalStateException("every event applied, but the target holds " + rs.getLong(1)
                  + " rows (quantity " + rs.getLong(2) + "), expected " + workload.expectedRows() + " ("
                  + workload.expectedQuantity() + ")");
            }
          }
          return new SinkBenchmark.Result("ferry-mariadb", workload.expectedRows(), seconds,
              workload.events() - appliedAtFirst, Double.isNaN(cpu) ? "" : String.format(Locale.ROOT,
                  "; machine CPU %.1f s", cpu));
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("the MariaDB sink did not apply every event within an hour");
  }

  /** The events the sink has applied: its offsets' sum (0 before it made its table). */
  private static long applied(final Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
        + "DATABASE() AND table_name = 'ferry_sink_offsets'")) {
      rs.next();
      if (rs.getLong(1) == 0) {
        return 0;
      }
    }
    try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(next_offset), 0) FROM ferry_sink_offsets")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
