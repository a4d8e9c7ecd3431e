package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * {@code scripts/bench snapshot}: a one-time migration of a legacy database of {@code --rows} header/detail
 * rows (an order and 3 lines each), measured twice on the same data: (a) capture only, the connector alone
 * putting the snapshot on Kafka, until the CDC topics hold every row; (b) end to end, connector, processor and
 * sink each in its own JVM, until the target holds every row. Both clocks start when the services are started
 * (JVM start and Debezium's start included in both); each checks every 250 ms, (a) the topics' end offsets, (b) the
 * sink's count of rows applied ({@link BenchPipeline#sinkRowsApplied}), confirmed by counting the target's rows once
 * it says all. Prints {@code ratio end-to-end/capture-only = X}, the
 * goal being at least 0.8; (b) takes Ferry's default initial load ({@code auto}: direct here), {@code --initial-load
 * kafka} runs it through the CDC topics and the processor as (a) does. Then (c), unless
 * {@code --no-kafka-connect}: the same migration through the pipeline
 * a team would otherwise assemble ({@link KafkaConnectPipeline}), timed the same way, and
 * {@code ratio ferry/kafka-connect = X} (its time over Ferry's end to end: how many times faster Ferry is).
 *
 * <p>{@code --customers N} adds reference data: a customers table every order points at by a foreign key, in the
 * legacy database and in the target, captured first as the connector orders tables by their foreign keys. An
 * order's customer is then on any partition, as in most legacy schemas; (c) is not run with it.
 */
public final class SnapshotBenchmark {
  private static final Duration LIMIT = Duration.ofMinutes(15);
  /** How often the end-to-end run prints what the target holds. */
  private static final Duration REPORT = Duration.ofSeconds(5);
  /**
   * {@code BENCH_COUNT_EVERY_CHECK=1}: the end-to-end run counts the target's rows at every check (every 250 ms), as
   * every run before session 35 did, instead of when the sink says it applied them all and every 5 s.
   */
  private static final boolean COUNTED_EVERY_CHECK = "1".equals(System.getenv("BENCH_COUNT_EVERY_CHECK"));

  private SnapshotBenchmark() {
  }

  public static void main(final String[] args) throws Exception {
    int rows = 1_000_000;
    int customers = 0;
    boolean kafkaConnect = true;
    String batchJob = null;
    String initialLoad = "auto";
    for (int i = 0; i < args.length; i++) {
      if ("--rows".equals(args[i])) {
        rows = Integer.parseInt(args[++i]);
      } else if ("--customers".equals(args[i])) {
        customers = Integer.parseInt(args[++i]);
      } else if ("--initial-load".equals(args[i]) && i + 1 < args.length
          && List.of("auto", "kafka", "direct").contains(args[i + 1])) {
        initialLoad = args[++i];
      } else if ("--no-kafka-connect".equals(args[i])) {
        kafkaConnect = false;
      } else if ("--batch-job".equals(args[i])) {
        batchJob = i + 1 < args.length && List.of("update", "delete").contains(args[i + 1]) ? args[++i] : "update";
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: scripts/bench snapshot [--rows N] [--customers N] [--initial-load auto|kafka|direct] "
            + "[--no-kafka-connect] [--batch-job [update|delete]]");
      }
    }
    final int orders = rows / (BenchPipeline.LINES + 1);
    final long expected = (long) orders * (BenchPipeline.LINES + 1) + customers;
    final boolean withCustomers = customers > 0;
    final List<String> cdcTopics = cdcTopics("capture", withCustomers);
    final List<String> targetTables = withCustomers ? List.of("customer", "sales_order", "sales_order_line")
        : List.of("sales_order", "sales_order_line");
    final BenchWork workDir = BenchWork.create("snapshot");
    final Path work = workDir.dir();
    try (workDir; EmbeddedStack stack = EmbeddedStack.start(work)) {
      final String legacyDb = "snap_legacy";
      stack.legacy().createDatabase(legacyDb);
      BenchPipeline.exec(stack.legacy(), legacyDb, BenchPipeline.LEGACY);
      if (withCustomers) {
        // every order points at a customer, spread over all of them (and so over every partition)
        BenchPipeline.exec(stack.legacy(), legacyDb, BenchPipeline.CUSTOMERS_LEGACY
            + "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, " + customers + ") g;");
      }
      BenchPipeline.exec(stack.legacy(), legacyDb, "INSERT INTO orders SELECT g, 'customer ' || (g % 1000), 7.50"
          + (withCustomers ? ", 1 + (g::bigint * 7919) % " + customers : "")
          + " FROM generate_series(1, " + orders + ") g; INSERT INTO order_lines SELECT g, l, l, 2.50 FROM "
          + "generate_series(1, " + orders + ") g, generate_series(1, " + BenchPipeline.LINES + ") l; ANALYZE");
      System.out.printf(Locale.ROOT, "legacy database: %,d orders and %,d lines%s%n", orders,
          (long) orders * BenchPipeline.LINES, withCustomers ? String.format(Locale.ROOT,
              ", each order referencing one of %,d customers (foreign keys in both databases)", customers) : "");

      final double capture;
      try (BenchPipeline pipeline = new BenchPipeline(stack, work, "capture", legacyDb, "unused", withCustomers,
          "connector.initial-load: kafka");
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
              stack.kafka().bootstrapServers()))) {
        final long start = System.nanoTime();
        final double cpu = CpuTime.machineBusy();
        pipeline.start("connector");
        waitUntil(() -> StageProgress.endOffsets(admin, cdcTopics) >= expected, "the CDC topics to hold every row");
        capture = (System.nanoTime() - start) / 1e9;
        pipeline.printCpu(cpu);
      }
      System.out.printf(Locale.ROOT, "capture-only: %,d rows in %.1f s (%,.0f rows/s)%n", expected, capture,
          expected / capture);

      final String targetDb = "snap_target";
      stack.target().createDatabase(targetDb);
      BenchPipeline.exec(stack.target(), targetDb, BenchPipeline.TARGET
          + (withCustomers ? BenchPipeline.CUSTOMERS_TARGET : ""));
      final double endToEnd;
      final List<String> e2eTopics = cdcTopics("e2e", withCustomers);
      try (BenchPipeline pipeline = new BenchPipeline(stack, work, "e2e", legacyDb, targetDb, withCustomers,
          "connector.initial-load: " + initialLoad);
          Connection target = stack.target().connect(targetDb);
          Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
              stack.kafka().bootstrapServers()))) {
        final long start = System.nanoTime();
        final double cpu = CpuTime.machineBusy();
        pipeline.start("sink", "processor", "connector");
        System.out.println("e2e services launched at " + java.time.LocalTime.now().truncatedTo(
            java.time.temporal.ChronoUnit.MILLIS) + " (their logs' clock; the logs are in " + work + ")");
        final long[] mostParked = {0};
        final long[] nextReport = {start + REPORT.toNanos()};
        final FirstArrivals first = new FirstArrivals();
        waitUntil(() -> {
          final long parked = parked(target);
          mostParked[0] = Math.max(mostParked[0], parked);
          // the sink's own count gates the target's: a count(*) of a million rows four times a second took CPU the
          // pipeline needs (COUNTED_EVERY_CHECK brings it back, to compare with the runs before session 35)
          final long applied = pipeline.sinkRowsApplied();
          final double seconds = (System.nanoTime() - start) / 1e9;
          final boolean report = System.nanoTime() >= nextReport[0];
          final long[] held = report || applied >= expected || COUNTED_EVERY_CHECK ? counts(target, targetTables)
              : null;
          if (report || !first.complete()) {
            final long[] stages = stages(admin, "e2e", e2eTopics, held != null ? LongStream.of(held).sum()
                : Math.max(0, applied));
            first.sample(seconds, stages);
            if (report) {
              nextReport[0] += REPORT.toNanos();
              System.out.println(progress(seconds, targetTables, held, parked) + stageCounts(stages));
            }
          }
          return held != null && LongStream.of(held).sum() >= expected;
        }, "the target to hold every row");
        endToEnd = (System.nanoTime() - start) / 1e9;
        System.out.println("e2e " + first.line());
        pipeline.printCpu(cpu);
        System.out.printf(Locale.ROOT, "e2e rows parked at most (waiting for a row they reference): %,d%n",
            mostParked[0]);
        if (batchJob != null) {
          batchJob(stack, legacyDb, target, pipeline, (long) orders * BenchPipeline.LINES, batchJob.equals("delete"));
        }
      }
      System.out.printf(Locale.ROOT, "end-to-end (connector.initial-load %s): %,d rows in %.1f s (%,.0f rows/s)%n",
          initialLoad, expected, endToEnd, expected / endToEnd);
      System.out.printf(Locale.ROOT, "ratio end-to-end/capture-only = %.2f%n", capture / endToEnd);
      if (kafkaConnect && withCustomers) {
        System.out.println("kafka-connect: not run with --customers (its target has the legacy orders' shape only)");
      } else if (kafkaConnect) {
        final double connect = kafkaConnect(stack, work, legacyDb, expected);
        System.out.printf(Locale.ROOT, "kafka-connect (Debezium PostgreSQL source + JDBC sink): %,d rows in %.1f s "
            + "(%,.0f rows/s)%n", expected, connect, expected / connect);
        System.out.printf(Locale.ROOT, "ratio ferry/kafka-connect = %.2f%n", connect / endToEnd);
      }
    }
  }

  /**
   * A legacy batch job once the migration is in: one transaction that updates (or deletes, a purge) every order line,
   * with the pipeline streaming. Ferry holds a source transaction until its end and applies it whole per order, so
   * this is its largest unit of work: timed from the job's start until the target holds every line's new price (or
   * none).
   */
  private static void batchJob(final EmbeddedStack stack, final String legacyDb, final Connection target,
      final BenchPipeline pipeline, final long lines, final boolean delete) throws Exception {
    final double cpu = CpuTime.machineBusy();
    final long start = System.nanoTime();
    BenchPipeline.exec(stack.legacy(), legacyDb, delete ? "DELETE FROM order_lines"
        : "UPDATE order_lines SET price = price + 1");
    final double committed = (System.nanoTime() - start) / 1e9;
    final long[] nextReport = {System.nanoTime() + REPORT.toNanos()};
    waitUntil(() -> {
      if (System.nanoTime() < nextReport[0]) {
        return false;
      }
      nextReport[0] += REPORT.toNanos();
      final long done = delete ? lines - countWhere(target, "sales_order_line", "true")
          : countWhere(target, "sales_order_line", "price = 3.50");
      System.out.printf(Locale.ROOT, "  batch job %.0f s: %,d of %,d lines %s in the target%n",
          (System.nanoTime() - start) / 1e9, done, lines, delete ? "deleted" : "updated");
      return done >= lines;
    }, "the target to hold the batch job's every line");
    final double applied = (System.nanoTime() - start) / 1e9;
    pipeline.printCpu(cpu);
    System.out.printf(Locale.ROOT, "batch job: one legacy transaction %s %,d rows (committed in %.1f s), in the "
        + "target %.1f s after it began (%,.0f rows/s)%n", delete ? "deleting" : "updating", lines, committed, applied,
        lines / applied);
  }

  private static long countWhere(final Connection c, final String table, final String where) throws Exception {
    try (java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> cdcTopics(final String prefix, final boolean withCustomers) {
    final String cdc = prefix + ".cdc.public.";
    return withCustomers ? List.of(cdc + "customers", cdc + "orders", cdc + "order_lines")
        : List.of(cdc + "orders", cdc + "order_lines");
  }

  /**
   * What each stage of the end-to-end run holds, in {@link FirstArrivals#STAGES} order: records on the CDC topics,
   * the processor's committed offsets on them, records on the apply topic, rows in the target; {@code run} is the
   * run's name, its topics' prefix ({@link BenchPipeline}).
   */
  private static long[] stages(final Admin admin, final String run, final List<String> cdcTopics, final long applied)
      throws Exception {
    return new long[] {StageProgress.endOffsets(admin, cdcTopics),
        StageProgress.committed(admin, run + "-processor", cdcTopics),
        StageProgress.endOffsets(admin, List.of(run + ".apply")), applied};
  }

  private static String stageCounts(final long[] stages) {
    return String.format(Locale.ROOT, " || captured %,d | processed %,d | apply topic %,d", stages[0], stages[1],
        stages[2]);
  }

  /** (c): seconds from launching the Kafka Connect workers until the target holds all {@code expected} rows. */
  private static double kafkaConnect(final EmbeddedStack stack, final Path work, final String legacyDb,
      final long expected) throws Exception {
    final String kcDb = "snap_kafka_connect";
    stack.target().createDatabase(kcDb);
    BenchPipeline.exec(stack.target(), kcDb, KafkaConnectPipeline.TARGET);
    try (Connection target = stack.target().connect(kcDb)) {
      final long start = System.nanoTime();
      final double cpu = CpuTime.machineBusy();
      try (KafkaConnectPipeline pipeline = new KafkaConnectPipeline(stack, work, legacyDb, kcDb)) {
        waitUntil(() -> {
          if (!pipeline.alive()) {
            throw new IllegalStateException("a Kafka Connect worker exited; see kc-*.log in " + work);
          }
          return count(target, List.of("orders", "order_lines")) >= expected;
        }, "the Kafka Connect target to hold every row");
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "kafka-connect cpu seconds: workers %.1f; machine %.1f%n",
            pipeline.cpuSeconds(), CpuTime.machineBusy() - cpu);
        return seconds;
      }
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean done() throws Exception;
  }

  private static void waitUntil(final Check check, final String what) throws Exception {
    final long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + LIMIT.toMinutes() + " minutes");
      }
      Thread.sleep(250);
    }
  }

  /**
   * Rows the sink holds back at this moment because a row they reference has not arrived (sink.parked-table's
   * default); 0 before the sink created that table. Sampled with every check of the target's count: an initial sync
   * whose stages keep the capture's order (reference tables first) parks next to none.
   */
  private static long parked(final Connection target) {
    try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM ferry_parked")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return 0;
    }
  }

  private static long count(final Connection target, final List<String> tables) throws Exception {
    return LongStream.of(counts(target, tables)).sum();
  }

  /** The rows each of {@code tables} holds, in their order, read in one statement. */
  private static long[] counts(final Connection target, final List<String> tables) throws Exception {
    final String each = String.join(", ", tables.stream().map(t -> "(SELECT count(*) FROM " + t + ")").toList());
    try (Statement s = target.createStatement(); ResultSet rs = s.executeQuery("SELECT " + each)) {
      rs.next();
      final long[] rows = new long[tables.size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = rs.getLong(i + 1);
      }
      return rows;
    }
  }

  /**
   * A progress line of the end-to-end run: what each target table holds and how many rows wait parked, so that the
   * order the stages deliver in shows (an initial sync with reference data should fill the referenced table first).
   */
  static String progress(final double seconds, final List<String> tables, final long[] rows, final long parked) {
    final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "e2e %5.1f s:", seconds));
    for (int i = 0; i < tables.size(); i++) {
      line.append(String.format(Locale.ROOT, " %s %,d |", tables.get(i), rows[i]));
    }
    return line.append(String.format(Locale.ROOT, " parked %,d", parked)).toString();
  }
}
