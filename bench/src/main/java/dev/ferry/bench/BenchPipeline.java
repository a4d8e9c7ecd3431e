package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline the pipeline benchmarks run: an orders/lines legacy schema, the target schema and mapping, a
 * configuration per run ({@code name} names its topics, slot, groups and state), and Ferry's services in their
 * own JVMs, started as scripts/ferry starts them.
 */
final class BenchPipeline implements AutoCloseable {
  static final int LINES = 3;
  static final String LEGACY = """
      CREATE TABLE orders (order_id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2) NOT NULL);
      CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders, line_no int NOT NULL,
        quantity int NOT NULL, price numeric(12,2) NOT NULL, PRIMARY KEY (order_id, line_no));
      """;
  static final String TARGET = """
      CREATE TABLE sales_order (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2) NOT NULL,
        ferry_version bigint NOT NULL);
      CREATE TABLE sales_order_line (order_id bigint NOT NULL REFERENCES sales_order, line_no int NOT NULL,
        quantity int NOT NULL, price numeric(12,2) NOT NULL, ferry_version bigint NOT NULL,
        PRIMARY KEY (order_id, line_no));
      """;
  private static final String MAPPING = """
      tables:
        - source: public.orders
          target: sales_order
          fields: {id: order_id, customer: customer, total: {from: total, type: decimal, scale: 2}%s}
        - source: public.order_lines
          target: sales_order_line
          fields: {order_id: order_id, line_no: line_no, quantity: quantity, price: {from: price, type: decimal, scale: 2}}
      """;
  /**
   * {@code scripts/bench snapshot --customers N}: reference data every order points at by a foreign key, in the legacy
   * database and in the target, as most legacy schemas have (an order's customer is on any partition).
   */
  static final String CUSTOMERS_LEGACY = """
      CREATE TABLE customers (customer_id bigint PRIMARY KEY, name text NOT NULL);
      ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers;
      """;
  static final String CUSTOMERS_TARGET = """
      CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL, ferry_version bigint NOT NULL);
      ALTER TABLE sales_order ADD COLUMN customer_id bigint REFERENCES customer;
      """;
  private static final String CUSTOMERS_MAPPING = """
        - source: public.customers
          target: customer
          fields: {id: customer_id, name: name}
      """;

  private final Path work;
  private final String name;
  /** CPU seconds of the broker's JVM's JIT compilers when this run began: an earlier run's are not this one's. */
  private final double brokerJitAtStart;
  private final Path config;
  private final Map<String, Process> services = new LinkedHashMap<>();
  private final Map<String, List<String>> jvms = new HashMap<>();
  /** The connector's HTTP port; the processor's is the next, the sink's the one after ({@code ops.port}). */
  private final int opsPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** Writes the configuration of run {@code name} under {@code work}; starts nothing yet. */
  BenchPipeline(final EmbeddedStack stack, final Path work, final String name, final String legacyDb,
      final String targetDb) throws Exception {
    this(stack, work, name, legacyDb, targetDb, false);
  }

  /** The same, with the customers table ({@link #CUSTOMERS_LEGACY}) captured and mapped when {@code customers}. */
  BenchPipeline(final EmbeddedStack stack, final Path work, final String name, final String legacyDb,
      final String targetDb, final boolean customers) throws Exception {
    this(stack, work, name, legacyDb, targetDb, customers, "");
  }

  /** The same, with {@code settings} (YAML lines) added to the run's configuration. */
  BenchPipeline(final EmbeddedStack stack, final Path work, final String name, final String legacyDb,
      final String targetDb, final boolean customers, final String settings) throws Exception {
    this.work = work;
    this.name = name;
    this.brokerJitAtStart = CpuTime.compilers(ProcessHandle.current().pid());
    Files.writeString(work.resolve("mapping.yaml"), customers
        ? String.format(Locale.ROOT, MAPPING, ", customer_id: customer_id") + CUSTOMERS_MAPPING
        : String.format(Locale.ROOT, MAPPING, ""));
    this.config = work.resolve(name + ".yaml");
    this.opsPort = freeOpsPorts();
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap-servers: \"" + stack.kafka().bootstrapServers() + "\"",
        "registry.url: \"" + stack.registry().url() + "\"",
        "topics.prefix: " + name,
        "legacy.host: \"" + stack.legacy().host() + "\"",
        "legacy.port: " + stack.legacy().port(),
        "legacy.database: " + legacyDb,
        "legacy.user: " + EmbeddedDatabase.USER,
        "legacy.tables: " + (customers ? "public.customers," : "") + "public.orders,public.order_lines",
        "legacy.relations: \"public.order_lines(order_id) -> public.orders(order_id)\"",
        "connector.name: " + name,
        "connector.slot-name: " + name,
        "connector.publication-name: " + name,
        "connector.offset-file: \"" + work.resolve(name + "-offsets.dat") + "\"",
        "processor.application-id: " + name + "-processor",
        "processor.state-dir: \"" + work.resolve(name + "-streams") + "\"",
        "processor.mapping-file: \"" + work.resolve("mapping.yaml") + "\"",
        "target.jdbc-url: \"" + stack.target().jdbcUrl(targetDb) + "\"",
        "target.user: " + EmbeddedDatabase.USER,
        "sink.group-id: " + name + "-sink",
        "ops.port: " + opsPort,
        "ops.bind-address: 127.0.0.1", settings, extraConfig()));
  }

  /**
   * Configuration lines every run adds from environment variable {@code BENCH_CONFIG}, separated by {@code ;}
   * (e.g. {@code BENCH_CONFIG="kafka.client.linger.ms: 5"}): the way to compare settings that have no
   * {@code FERRY_*} variable of their own, such as Kafka client properties.
   */
  private static String extraConfig() {
    final String extra = System.getenv("BENCH_CONFIG");
    if (extra == null || extra.isBlank()) {
      return "";
    }
    return String.join("\n", Arrays.stream(extra.split(";")).map(String::strip)
        .filter(l -> !l.isEmpty()).toList()) + "\n";
  }

  /**
   * Starts {@code roles} in this order, each in its own JVM, as a user would: {@code scripts/ferry <role>} (its JVM
   * options, its class data sharing), with {@code BENCH_SERVICE_JVM_OPTS} and {@code BENCH_<ROLE>_JVM_OPTS} added.
   */
  BenchPipeline start(final String... roles) throws Exception {
    for (final String role : roles) {
      final List<String> added = new ArrayList<>(ServiceProcesses.optionsFromEnvironment("BENCH_SERVICE_JVM_OPTS"));
      added.addAll(ServiceProcesses.optionsFromEnvironment("BENCH_" + role.toUpperCase(Locale.ROOT) + "_JVM_OPTS"));
      final List<String> jvm = new ArrayList<>(ServiceProcesses.serviceJvmOptions(role));
      jvm.addAll(added);
      jvms.put(role, jvm);
      services.put(role, ServiceProcesses.startCommand(List.of(role, "--config", config.toString()), added,
          log(role)));
    }
    return this;
  }

  /**
   * Stops service {@code role}, as an operator would ({@code kill}: SIGTERM, a clean stop) or as a crash does
   * ({@code kill -9}), and waits until its process is gone.
   */
  void stop(final String role, final boolean crash) throws InterruptedException {
    final Process p = services.remove(role);
    if (crash) {
      p.destroyForcibly();
    } else {
      p.destroy();
    }
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Path log(final String role) {
    return work.resolve(name + "-" + role + ".log");
  }

  /**
   * The CPU seconds each running service has used so far, by role; this JVM's ({@code "broker and benchmark"}: the
   * embedded Kafka broker runs in it); and the machine's ({@code "machine"}).
   */
  Map<String, Double> cpuSeconds() {
    final Map<String, Double> cpu = new LinkedHashMap<>();
    services.forEach((role, p) -> cpu.put(role, CpuTime.process(p.pid())));
    cpu.put("broker and benchmark", CpuTime.process(ProcessHandle.current().pid()));
    cpu.put("machine", CpuTime.machineBusy());
    return cpu;
  }

  /**
   * Prints the CPU seconds each service has used so far, of them its JIT compilers' ({@link CpuTime#compilers}), and
   * the machine's since {@code machineBusyAtStart}.
   */
  void printCpu(final double machineBusyAtStart) {
    final StringBuilder line = new StringBuilder(name).append(" cpu seconds:");
    double services = 0;
    for (final var e : this.services.entrySet()) {
      final double s = CpuTime.process(e.getValue().pid());
      services += s;
      line.append(String.format(Locale.ROOT, " %s %.1f (jit %.1f),", e.getKey(), s,
          CpuTime.compilers(e.getValue().pid())));
    }
    final double machine = CpuTime.machineBusy() - machineBusyAtStart;
    line.append(String.format(Locale.ROOT, " the rest (broker, registry, databases, benchmark) %.1f (jit in the broker's"
        + " JVM %.1f); machine %.1f", machine - services,
        CpuTime.compilers(ProcessHandle.current().pid()) - brokerJitAtStart, machine));
    System.out.println(line);
  }

  /** Stops every service started (SIGTERM, then at most 90 s) and prints its peak heap. */
  @Override
  public void close() throws Exception {
    for (final Process p : services.values()) {
      p.destroy();
    }
    for (final var e : services.entrySet()) {
      if (!e.getValue().waitFor(90, TimeUnit.SECONDS)) {
        e.getValue().destroyForcibly();
      }
      System.out.printf(Locale.ROOT, "%s %s: peak heap %d MB of %s%n", name, e.getKey(),
          ServiceProcesses.peakHeapMb(log(e.getKey())), ServiceProcesses.heapOption(jvms.get(e.getKey())));
    }
  }

  /**
   * Rows the sink reports applied ({@code ferry_sink_rows_applied_total} on its {@code /metrics}: counted after their
   * target transaction commits), or -1 while it does not answer. A probe that costs the machine next to nothing, where
   * a {@code count(*)} of the target's tables reads every row they hold so far; it asks for that one counter by name,
   * as a whole scrape renders every meter the sink binds (its Kafka clients' hundreds) four times a second.
   */
  long sinkRowsApplied() {
    final HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (opsPort + 2) + "/metrics"
            + "?name[]=ferry_sink_rows_applied_total"))
        .timeout(Duration.ofSeconds(2)).build();
    try {
      final String body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
      for (final String line : body.split("\n")) {
        if (line.startsWith("ferry_sink_rows_applied_total")) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A base port with it and the next two free on loopback, for the three services' HTTP ports. */
  private static int freeOpsPorts() {
    for (int i = 0; i < 50; i++) {
      try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        final int base = first.getLocalPort();
        if (base + 2 <= 65_535 && free(base + 1) && free(base + 2)) {
          return base;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on loopback", e);
      }
    }
    throw new IllegalStateException("no three free consecutive ports on loopback in 50 tries");
  }

  private static boolean free(final int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void exec(final EmbeddedDatabase server, final String db, final String sql) throws SQLException {
    try (Connection c = server.connect(db); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
