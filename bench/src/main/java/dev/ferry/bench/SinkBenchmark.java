package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.TopicCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code scripts/bench sink}: fills topics with N change events, then has Ferry's sink and Debezium's
 * JDBC sink connector (3.5.0, Kafka Connect standalone, upsert mode) each apply the same changes, in its
 * own input format, into an empty PostgreSQL database. Both run in their own JVM and are timed the same
 * way: from the first row committed in the target to the moment the target holds the final state
 * (row count and quantity sum as expected). The last line is {@code ratio ferry/debezium-jdbc = X.XX}.
 *
 * <p>Arguments: {@code [events] [--ferry-only | --debezium-only] [--runs N] [--target mariadb]} (the last: Ferry's
 * sink alone, into a MariaDB server it starts, {@link MariaDbSinkRun}); system properties {@code ferry.cli.classpath}
 * and {@code ferry.bench.classpath} name the two JVMs' classpaths (scripts/bench sets them). The environment
 * variable {@code BENCH_SINK_JVM_OPTS} adds options to Ferry's sink JVM (a profiler, say), {@code
 * BENCH_CONNECT_JVM_OPTS} to Kafka Connect's;
 * {@code BENCH_FERRY_OTHER_CLASSPATH} names another build of the sink, run in alternation with this one as
 * {@code ferry-other}: on a noisy machine, the way to tell whether a change made the sink faster.
 * {@code BENCH_FERRY_OTHER_JVM_OPTS} adds options to the {@code ferry-other} runs only (after
 * {@code BENCH_SINK_JVM_OPTS}), with this build unless another is named: the way to compare JVM options.
 */
public final class SinkBenchmark {
  private static final String TABLE = "CREATE TABLE order_line (order_id int NOT NULL, product_id int NOT NULL, "
      + "unit_price numeric(12,2), quantity int, discount numeric(4,2), %s PRIMARY KEY (order_id, product_id))";
  /** Partitions of both input topics. */
  private static final int PARTITIONS = 3;
  /** The connector's batch size: its best here (50,000 measured 26-29k events/s against 30-36k with 5,000). */
  private static final int DEBEZIUM_BATCH = 5000;
  /**
   * Ferry's batch size: 50,000 measured 135-147k events/s against 98-129k with 20,000 (five runs each),
   * as more changes of one key collapse into one row before they reach the database.
   */
  private static final int FERRY_BATCH = 50_000;
  /** The connector's heap: Kafka Connect's launcher gives it up to 2 GB; 1 GB was never short here. */
  private static final String CONNECT_HEAP = "-Xmx1g";
  private static final Pattern PEAK = Pattern.compile("peak heap used (\\d+) MB");

  private SinkBenchmark() {
  }

  /**
   * One sink's run: {@code timedEvents} of the events were applied within {@code seconds} (those the first
   * commit held are not, since the clock starts at that commit).
   */
  record Result(String name, long rows, double seconds, long timedEvents, String note) {
    double rate() {
      return timedEvents / seconds;
    }
  }

  public static void main(final String[] args) throws Exception {
    final int events = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 1_000_000;
    final boolean ferryOnly = List.of(args).contains("--ferry-only");
    final boolean debeziumOnly = List.of(args).contains("--debezium-only");
    // another build of Ferry's sink to compare with, run in alternation (a classpath like ferry.cli.classpath)
    final String otherOptions = System.getenv("BENCH_FERRY_OTHER_JVM_OPTS");
    final String other = System.getenv("BENCH_FERRY_OTHER_CLASSPATH") != null ? System.getenv("BENCH_FERRY_OTHER_CLASSPATH")
        : otherOptions != null ? System.getProperty("ferry.cli.classpath") : null;
    final int runsAt = List.of(args).indexOf("--runs");
    final int runs = runsAt >= 0 && runsAt + 1 < args.length ? Integer.parseInt(args[runsAt + 1]) : 3;
    final int targetAt = List.of(args).indexOf("--target");
    final boolean mariaDb = targetAt >= 0 && targetAt + 1 < args.length && "mariadb".equals(args[targetAt + 1]);
    final BenchWork workDir = BenchWork.create("sink");
    final Path work = workDir.dir();
    System.out.printf(Locale.ROOT, "Sink benchmark: %,d change events; work directory %s%n", events, work);
    try (workDir; EmbeddedStack stack = EmbeddedStack.start(work)) {
      final Workload workload = new Workload(42, events);
      final KafkaSettings kafka = new KafkaSettings(stack.kafka().bootstrapServers(), stack.registry().url(),
          "bench", PARTITIONS, (short) 1);
      final FerryTopics topics = kafka.topics(new ConfluentRegistryClient(kafka.registryUrl()));
      final String debeziumTopic = "bench.debezium";
      TopicCreator.ensure(kafka, List.of(topics.apply().name(), topics.deadLetter().name(), debeziumTopic),
          PARTITIONS, Set.of());
      final long t0 = System.nanoTime();
      produce(stack, workload, events, topics, debeziumTopic);
      System.out.printf(Locale.ROOT, "Produced %,d events to each input topic in %.1f s; target: %,d rows%n", events,
          (System.nanoTime() - t0) / 1e9, workload.expectedRows());

      // each sink several times, alternating, into a fresh database each time: on a shared machine one
      // run of either can be 10-20% off, and alternating spreads any drift over both
      final List<Result> ferry = new ArrayList<>();
      final List<Result> debezium = new ArrayList<>();
      final List<Result> otherRuns = new ArrayList<>();
      if (mariaDb) {
        // Ferry's sink alone, into MariaDB (Debezium's JDBC sink is measured against PostgreSQL only)
        final String why = dev.ferry.embedded.EmbeddedMariaDb.unavailableBecause();
        if (why != null) {
          throw new IllegalStateException("--target mariadb: " + why);
        }
        final List<Result> maria = new ArrayList<>();
        try (dev.ferry.embedded.EmbeddedMariaDb server = dev.ferry.embedded.EmbeddedMariaDb.start(work, "mariadb")) {
          for (int run = 1; run <= runs; run++) {
            maria.add(print(MariaDbSinkRun.run(server, stack.kafka().bootstrapServers(), stack.registry().url(), work,
                workload, run, System.getProperty("ferry.cli.classpath"), TABLE, FERRY_BATCH), events));
          }
        }
        System.out.printf(Locale.ROOT, "median of %d run(s):%n", runs);
        print(median(maria), events);
        return;
      }
      for (int run = 1; run <= runs; run++) {
        if (!debeziumOnly) {
          ferry.add(print(runFerry(stack, work, workload, run, "ferry", System.getProperty("ferry.cli.classpath"),
              List.of()), events));
          if (other != null) {
            otherRuns.add(print(runFerry(stack, work, workload, run + runs, "ferry-other", other,
                ServiceProcesses.optionsFromEnvironment("BENCH_FERRY_OTHER_JVM_OPTS")), events));
          }
        }
        if (!ferryOnly) {
          debezium.add(print(runDebezium(stack, work, workload, debeziumTopic, run), events));
        }
      }
      System.out.printf(Locale.ROOT, "median of %d run(s):%n", runs);
      final Result f = debeziumOnly ? null : print(median(ferry), events);
      if (!otherRuns.isEmpty()) {
        print(median(otherRuns), events);
      }
      final Result d = ferryOnly ? null : print(median(debezium), events);
      if (f != null && d != null) {
        System.out.printf(Locale.ROOT, "ratio ferry/debezium-jdbc = %.2f%n", f.rate() / d.rate());
      }
    }
  }

  private static Result print(final Result r, final int events) {
    System.out.printf(Locale.ROOT, "%-16s %,10.0f events/s  (%,d of %,d events in %.2f s, after a first commit of %,d%s)%n",
        r.name(), r.rate(), r.timedEvents(), events, r.seconds(), events - r.timedEvents(), r.note());
    return r;
  }

  private static Result median(final List<Result> runs) {
    final List<Result> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(Result::rate));
    return sorted.get(sorted.size() / 2);
  }

  private static void produce(final EmbeddedStack stack, final Workload workload, final int events,
      final FerryTopics topics, final String debeziumTopic) {
    final Properties p = stack.kafka().producerProperties();
    p.put("linger.ms", "50");
    p.put("batch.size", String.valueOf(1024 * 1024));
    p.put("compression.type", "lz4");
    final Encodings encodings = new Encodings();
    try (KafkaProducer<String, ApplyRecord> ferry = new KafkaProducer<>(p, new StringSerializer(),
        topics.apply().valueSerde().serializer());
        KafkaProducer<byte[], byte[]> debezium = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int i = 0; i < events; i++) {
        final Workload.Change c = workload.next();
        ferry.send(new ProducerRecord<>(topics.apply().name(), String.valueOf(c.orderId()), Encodings.ferry(c)));
        debezium.send(new ProducerRecord<>(debeziumTopic, encodings.debeziumKey(debeziumTopic, c),
            encodings.debeziumValue(debeziumTopic, c)));
      }
    }
  }

  private static Result runFerry(final EmbeddedStack stack, final Path work, final Workload workload, final int run,
      final String name, final String classpath, final List<String> moreOptions) throws Exception {
    final String db = "bench_ferry_" + run;
    stack.target().createDatabase(db);
    exec(stack.target(), db, String.format(Locale.ROOT, TABLE, "ferry_version bigint NOT NULL,"));
    final Path config = work.resolve("ferry-sink-" + run + ".yaml");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap-servers: \"" + stack.kafka().bootstrapServers() + "\"",
        "registry.url: \"" + stack.registry().url() + "\"",
        "topics.prefix: bench",
        "target.jdbc-url: \"" + stack.target().jdbcUrl(db) + "\"",
        "sink.group-id: bench-ferry-" + run,
        "sink.batch-size: " + FERRY_BATCH, ""));
    final Path log = work.resolve("ferry-sink-" + run + ".log");
    // started as scripts/ferry starts the sink: with the service JVM options (fixed heap, touched at start)
    final List<String> jvm = new ArrayList<>(ServiceProcesses.serviceJvmOptions("sink"));
    jvm.addAll(ServiceProcesses.optionsFromEnvironment("BENCH_SINK_JVM_OPTS"));
    jvm.addAll(moreOptions);
    jvm.addAll(List.of("-cp", classpath, "dev.ferry.cli.Ferry", "sink", "--config",
        config.toString()));
    final Process sink = ServiceProcesses.start(jvm, log);
    // the sink writes its offsets in the same transaction as the rows: their sum is the events applied
    final Timed timed = timeUntilDone(stack.target(), db, workload, sink,
        "SELECT coalesce(sum(next_offset), 0) FROM ferry_sink_offsets");
    sink.destroy();
    sink.waitFor(60, TimeUnit.SECONDS);
    final Matcher m = PEAK.matcher(Files.readString(log));
    final String heap = m.find() ? "; peak heap " + m.group(1) + " MB of " + ServiceProcesses.heapOption(jvm)
        + (jvm.contains("-XX:+AlwaysPreTouch") ? " pre-touched" : "") : "; peak heap not reported";
    return new Result(name, workload.expectedRows(), timed.seconds(), timed.timedEvents(), "; batch.size "
        + FERRY_BATCH + heap
        + timed.cpuNote());
  }

  private static Result runDebezium(final EmbeddedStack stack, final Path work, final Workload workload,
      final String topic, final int run) throws Exception {
    final String db = "bench_debezium_" + run;
    stack.target().createDatabase(db);
    exec(stack.target(), db, String.format(Locale.ROOT, TABLE, ""));
    final Path worker = KafkaConnectWorker.properties(work, "connect-" + run, stack.kafka().bootstrapServers(),
        DEBEZIUM_BATCH);
    final Path connector = work.resolve("jdbc-sink-" + run + ".properties");
    Files.writeString(connector, String.join("\n",
        "name=bench-jdbc-sink-" + run,
        "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector",
        // one task per partition: Kafka Connect's own way to run a sink in parallel (1.5x one task here)
        "tasks.max=" + PARTITIONS,
        "topics=" + topic,
        "connection.url=" + stack.target().jdbcUrl(db),
        "connection.username=" + EmbeddedDatabase.USER,
        "connection.password=",
        "insert.mode=upsert",
        "delete.enabled=true",
        "primary.key.mode=record_key",
        "schema.evolution=none",
        "table.name.format=order_line",
        "batch.size=" + DEBEZIUM_BATCH,
        "use.reduction.buffer=true", ""));
    // the same heap policy as Ferry's sink (fixed and touched at start), at the size the connector had before
    final Process connect = KafkaConnectWorker.start(CONNECT_HEAP, System.getProperty("ferry.bench.classpath"), worker,
        connector, work.resolve("debezium-jdbc-sink-" + run + ".log"));
    try {
      // the connector keeps no offsets in the target; each row took at least one event, so the rows are a
      // lower bound of the events its first commits held (its rate here is, if anything, too high)
      final Timed timed = timeUntilDone(stack.target(), db, workload, connect, "SELECT count(*) FROM order_line");
      return new Result("debezium-jdbc", workload.expectedRows(), timed.seconds(), timed.timedEvents(), "; "
          + CONNECT_HEAP
          + " pre-touched, " + PARTITIONS + " tasks, batch.size " + DEBEZIUM_BATCH + ", reduction buffer"
          + timed.cpuNote());
    } finally {
      connect.destroy();
      connect.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Seconds from the first row in the target to the final state; polls every 50 ms. The final state
   * (row count and quantity sum) needs a scan of the table, which costs the database as much as a
   * good part of a sink's work, so it is checked only when the server's WAL has not moved since the
   * last poll (nothing is being written). That keeps the measurement from slowing the sink it
   * measures, the same way for both sinks. {@code appliedSql} counts the events already applied; it runs
   * once, in the same snapshot as the first row seen, since those events are not in the time.
   */
  private static Timed timeUntilDone(final EmbeddedDatabase target, final String db, final Workload workload,
      final Process sink, final String appliedSql) throws Exception {
    long first = -1;
    long appliedAtFirst = 0;
    double cpuAtFirst = Double.NaN;
    String lastWal = "";
    final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
    try (Connection c = target.connect(db); Statement s = c.createStatement()) {
      while (System.nanoTime() < deadline) {
        if (!sink.isAlive()) {
          throw new IllegalStateException("the sink process exited with " + sink.exitValue() + "; see its log");
        }
        final long now = System.nanoTime();
        if (first < 0) {
          final long applied = appliedOnceRowsExist(c, appliedSql);
          if (applied >= 0) {
            first = now;
            appliedAtFirst = applied;
            cpuAtFirst = CpuTime.machineBusy();
          }
        } else {
          final String wal;
          try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            wal = rs.getString(1);
          }
          final boolean quiet = wal.equals(lastWal);
          lastWal = wal;
          if (quiet) {
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(quantity), 0) FROM order_line")) {
              rs.next();
              if (rs.getLong(1) == workload.expectedRows() && rs.getLong(2) == workload.expectedQuantity()) {
                return new Timed((System.nanoTime() - first) / 1e9, CpuTime.machineBusy() - cpuAtFirst,
                    workload.events() - appliedAtFirst);
              }
            }
          }
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("the sink did not reach the final state within an hour");
  }

  /** The result of {@code appliedSql} once the target has a row, in the same snapshot; -1 before. */
  private static long appliedOnceRowsExist(final Connection c, final String appliedSql) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT 1 FROM order_line LIMIT 1) x")) {
        rs.next();
        if (rs.getLong(1) == 0) {
          return -1;
        }
      }
      try (ResultSet rs = s.executeQuery(appliedSql)) {
        rs.next();
        return rs.getLong(1);
      }
    } finally {
      c.commit();
      c.setAutoCommit(true);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }
  }

  /**
   * How long a sink took, the CPU time the whole machine spent meanwhile (NaN where unknown), and the
   * events applied in that time.
   */
  record Timed(double seconds, double cpuSeconds, long timedEvents) {
    String cpuNote() {
      return Double.isNaN(cpuSeconds) ? "" : String.format(Locale.ROOT, "; machine CPU %.1f s", cpuSeconds);
    }
  }

  /**
   * CPU seconds all cores of this machine have spent busy since boot (from /proc/stat; NaN elsewhere). On a
   * machine the sink saturates, CPU per event varies less from run to run than the wall time does.
   */
  private static void exec(final EmbeddedDatabase server, final String db, final String sql) throws SQLException {
    try (Connection c = server.connect(db); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
