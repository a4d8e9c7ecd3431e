package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench pipeline}: the whole pipeline in streaming, as production runs it: the embedded stack,
 * and Ferry's connector, processor and sink each in its own JVM (started as scripts/ferry starts them). Writers
 * commit order transactions (an order and 3 lines, 4 rows) on the legacy database at a set rate, open loop;
 * a reader of the target notes when each order becomes visible there (its lines come in the same target
 * transaction). Per rate it prints {@code rate=N rows/s p50=.. p95=.. p99=.. max=..} of the latency from
 * legacy commit to visible in the target, and whether the lag stayed bounded (everything arrived within
 * {@link #CATCH_UP} after the writers stopped).
 *
 * <p>Arguments: {@code [--rates 500,2000,10000] [--seconds 60] [--warm-up 60]} (a first phase at the first rate,
 * printed but not meant to be counted: every JVM of the fresh stack, the broker's included, compiles its hot paths
 * then, which on two cores kept the machine busy for about 40 s after the start and put the processor 50,000 events
 * behind; a 20 s warm-up, the default until session 40, left the first measured rate in that catch-up). The latency is measured by
 * one JVM (this one) on one clock; the reader polls every {@value #POLL_MS} ms, which bounds its resolution.
 * Every 10 s a line shows how far each stage has come ({@link StageProgress}), to tell which one falls behind;
 * after each rate lines split the latency by stage ({@link StageLatency}: when each order became readable on the
 * CDC topic, on the apply topic, and in the target) and give each process's CPU seconds per 1,000 rows.
 */
public final class PipelineBenchmark {
  private static final int LINES = BenchPipeline.LINES;
  private static final int WRITERS = 4;
  private static final int POLL_MS = 10;
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  private PipelineBenchmark() {
  }

  public static void main(final String[] args) throws Exception {
    List<Integer> rates = List.of(500, 2000, 10_000);
    int seconds = 60;
    int warmUpSeconds = 60;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rates" -> rates = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::parseInt).toList();
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warm-up" -> warmUpSeconds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: scripts/bench pipeline [--rates 500,2000,10000] [--seconds 60] [--warm-up 60]");
      }
    }
    final BenchWork workDir = BenchWork.create("pipeline");
    final Path work = workDir.dir();
    try (workDir; EmbeddedStack stack = EmbeddedStack.start(work)) {
      final String legacyDb = "bench_legacy";
      final String targetDb = "bench_target";
      stack.legacy().createDatabase(legacyDb);
      stack.target().createDatabase(targetDb);
      BenchPipeline.exec(stack.legacy(), legacyDb, BenchPipeline.LEGACY);
      BenchPipeline.exec(stack.target(), targetDb, BenchPipeline.TARGET);
      try (BenchPipeline pipeline = new BenchPipeline(stack, work, "bench", legacyDb, targetDb)
          .start("sink", "processor", "connector")) {
        warmUp(stack, legacyDb, targetDb);
        long nextId = 1_000_000;
        try (StageProgress progress = new StageProgress(stack.kafka().bootstrapServers(), "bench", stack.target(),
            targetDb);
            StageLatency stages = new StageLatency(stack.kafka().bootstrapServers())
                .follow("cdc", "bench.cdc.public.orders", true).follow("apply", "bench.apply", false)) {
          progress.start();
          if (warmUpSeconds > 0) {
            // the services' code runs interpreted, then compiled, in the first seconds: not measured
            System.out.print("warm-up, not counted: ");
            new Phase(stack, legacyDb, targetDb, rates.get(0), warmUpSeconds, nextId).run(stages, pipeline);
            nextId += 10_000_000;
          }
          for (final int rate : rates) {
            final Phase phase = new Phase(stack, legacyDb, targetDb, rate, seconds, nextId);
            phase.run(stages, pipeline);
            nextId += 10_000_000;
          }
        }
      }
    }
  }

  /** One order through the whole pipeline, so that every service is up before the clock runs. */
  private static void warmUp(final EmbeddedStack stack, final String legacyDb, final String targetDb)
      throws Exception {
    try (Connection legacy = stack.legacy().connect(legacyDb)) {
      legacy.setAutoCommit(false);
      insertOrder(legacy, 1);
      legacy.commit();
    }
    final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    try (Connection target = stack.target().connect(targetDb)) {
      while (!visible(target, 1) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      if (!visible(target, 1)) {
        throw new IllegalStateException("the pipeline did not apply a first order within 3 minutes; see the logs");
      }
    }
  }

  private static boolean visible(final Connection target, final long id) throws SQLException {
    try (PreparedStatement ps = target.prepareStatement("SELECT 1 FROM sales_order WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static void insertOrder(final Connection c, final long id) throws SQLException {
    try (PreparedStatement o = c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?)");
        PreparedStatement l = c.prepareStatement("INSERT INTO order_lines VALUES (?, ?, ?, ?)")) {
      o.setLong(1, id);
      o.setString(2, "customer " + id % 1000);
      o.setBigDecimal(3, java.math.BigDecimal.valueOf(LINES * 250, 2));
      o.executeUpdate();
      for (int n = 1; n <= LINES; n++) {
        l.setLong(1, id);
        l.setInt(2, n);
        l.setInt(3, n);
        l.setBigDecimal(4, java.math.BigDecimal.valueOf(250, 2));
        l.addBatch();
      }
      l.executeBatch();
    }
  }

  /** One rate for a while: writers, a reader, the latencies. */
  private static final class Phase {
    private final EmbeddedStack stack;
    private final String legacyDb;
    private final String targetDb;
    private final int rate;
    private final int seconds;
    private final long firstId;
    /** order id -> nanoTime of its legacy commit; removed when seen in the target. */
    // sorted, so that the reader's range is two lookups: a scan of every pending id for its least and greatest, every
    // 10 ms, was a sixth of this JVM's CPU at 2,000 rows/s, and more the further the pipeline fell behind
    private final ConcurrentSkipListMap<Long, Long> pending = new ConcurrentSkipListMap<>();
    /** order id -> nanoTime of its legacy commit, kept. */
    private final Map<Long, Long> committedAt = new ConcurrentHashMap<>();
    private final List<Long> latenciesNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    /** order id -> nanoTime it was seen in the target. */
    private final Map<Long, Long> appliedAt = new ConcurrentHashMap<>();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean(true);

    Phase(final EmbeddedStack stack, final String legacyDb, final String targetDb, final int rate, final int seconds,
        final long firstId) {
      this.stack = stack;
      this.legacyDb = legacyDb;
      this.targetDb = targetDb;
      this.rate = rate;
      this.seconds = seconds;
      this.firstId = firstId;
    }

    void run(final StageLatency stages, final BenchPipeline pipeline) throws Exception {
      final Map<String, Double> cpuBefore = pipeline.cpuSeconds();
      final double ordersPerSecond = rate / (double) (LINES + 1);
      final long total = Math.round(ordersPerSecond * seconds);
      final long start = System.nanoTime();
      final List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        final int writer = w;
        writers.add(new Thread(() -> write(writer, total, ordersPerSecond, start), "writer-" + w));
      }
      final Thread reader = new Thread(this::read, "reader");
      reader.start();
      writers.forEach(Thread::start);
      for (final Thread t : writers) {
        t.join();
      }
      final double wroteSeconds = (System.nanoTime() - start) / 1e9;
      writing.set(false);
      reader.join(CATCH_UP.toMillis() + 10_000);
      final List<Long> sorted;
      synchronized (latenciesNanos) {
        sorted = new ArrayList<>(latenciesNanos);
      }
      sorted.sort(Long::compare);
      final boolean bounded = pending.isEmpty();
      System.out.printf(Locale.ROOT, "rate=%d rows/s (achieved %.0f rows/s, %,d transactions in %.1f s) p50=%s p95=%s "
          + "p99=%s max=%s n=%,d lag %s%n", rate, committed.get() * (LINES + 1) / wroteSeconds, committed.get(),
          wroteSeconds, ms(sorted, 0.50), ms(sorted, 0.95), ms(sorted, 0.99), ms(sorted, 1.0), sorted.size(),
          bounded ? "bounded (all applied)" : "NOT bounded: " + pending.size() + " orders not applied "
              + CATCH_UP.toSeconds() + " s after the writers stopped");
      System.out.println(stages.summary(committedAt));
      final List<Long> sinkAlone = stages.afterLast(appliedAt);
      System.out.println("  apply to target alone: p50=" + ms(sinkAlone, 0.50) + " p95=" + ms(sinkAlone, 0.95) + " p99="
          + ms(sinkAlone, 0.99));
      printCpu(cpuBefore, pipeline.cpuSeconds(), committed.get() * (LINES + 1));
    }

    /** Open loop: transaction k of this writer is due at start + (k * WRITERS + writer) / ordersPerSecond. */
    private void write(final int writer, final long total, final double ordersPerSecond, final long start) {
      try (Connection c = stack.legacy().connect(legacyDb)) {
        c.setAutoCommit(false);
        for (long k = writer; k < total; k += WRITERS) {
          final long due = start + (long) (k / ordersPerSecond * 1e9);
          final long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          final long id = firstId + k;
          insertOrder(c, id);
          c.commit();
          final long now = System.nanoTime();
          pending.put(id, now);
          committedAt.put(id, now);
          committed.incrementAndGet();
        }
      } catch (SQLException | InterruptedException e) {
        throw new IllegalStateException("writer " + writer + " failed", e);
      }
    }

    /** Polls the target for the pending orders' ids, noting when each appears. */
    private void read() {
      final long stopBy = System.nanoTime() + Duration.ofSeconds(seconds).plus(CATCH_UP).toNanos();
      try (Connection c = stack.target().connect(targetDb);
          PreparedStatement ps = c.prepareStatement("SELECT id FROM sales_order WHERE id BETWEEN ? AND ?")) {
        while ((writing.get() || !pending.isEmpty()) && System.nanoTime() < stopBy) {
          final Map.Entry<Long, Long> least = pending.firstEntry();
          final Map.Entry<Long, Long> greatest = pending.lastEntry();
          if (least != null && greatest != null) {
            final long min = least.getKey();
            final long max = greatest.getKey();
            ps.setLong(1, min);
            ps.setLong(2, max);
            try (ResultSet rs = ps.executeQuery()) {
              final long now = System.nanoTime();
              while (rs.next()) {
                final Long committedAt = pending.remove(rs.getLong(1));
                if (committedAt != null) {
                  latenciesNanos.add(now - committedAt);
                  appliedAt.put(rs.getLong(1), now);
                }
              }
            }
          }
          Thread.sleep(POLL_MS);
        }
      } catch (SQLException | InterruptedException e) {
        throw new IllegalStateException("reader failed", e);
      }
    }

    private static String ms(final List<Long> sorted, final double quantile) {
      return StageLatency.ms(sorted, quantile);
    }

    /**
     * CPU seconds per 1,000 rows, per service and for the rest of the machine, over the phase and its catch-up:
     * what a stage costs per row whether or not it kept up, steadier between runs than latency on a shared machine.
     */
    private static void printCpu(final Map<String, Double> before, final Map<String, Double> after, final long rows) {
      final StringBuilder line = new StringBuilder("  cpu seconds per 1,000 rows:");
      double services = 0;
      for (final String role : after.keySet()) {
        if (!role.equals("machine") && before.containsKey(role)) {
          final double s = after.get(role) - before.get(role);
          services += s;
          line.append(String.format(Locale.ROOT, " %s %.3f,", role, s * 1000 / rows));
        }
      }
      final double machine = after.get("machine") - before.get("machine");
      line.append(String.format(Locale.ROOT, " the rest (both databases, registry) %.3f; machine %.3f "
          + "(%.1f CPU seconds in all)", (machine - services) * 1000 / rows, machine * 1000 / rows, machine));
      System.out.println(line);
    }
  }
}
