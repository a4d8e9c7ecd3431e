package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.TopicCreator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production way to run Ferry: three JVMs, {@code ferry connector|processor|sink --config ferry.yaml},
 * sharing nothing but Kafka, with environment variables overriding the file.
 */
class SeparateServicesIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void threeServicesFromOneConfigFileSyncTheLegacyDatabase() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_services");
    final String targetUrl = env.source().values().get("target.jdbc-url").text();
    final Path file = ServiceProcess.writeConfig(env, work.resolve("ferry.yaml"), Set.of("target.jdbc-url"));

    final List<Process> services = new ArrayList<>();
    try (Connection legacy = env.legacy(); Connection target = env.target()) {
      for (final String role : List.of("sink", "processor", "connector")) {
        services.add(start(role, file, Map.of("FERRY_TARGET_JDBC_URL", targetUrl)));
      }
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .until(() -> RowCounts.of(legacy, target).match());
      // each service's port for operators, as it printed it: Prometheus metrics and readiness
      final Map<String, String> ops = new java.util.HashMap<>();
      for (final String role : List.of("sink", "processor", "connector")) {
        await().atMost(Duration.ofMinutes(1)).until(() -> Files.readString(work.resolve(role + ".log"))
            .contains(role + " status page http://127.0.0.1:"));
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile(role + " status page (http://127\\.0\\.0"
            + "\\.1:[0-9]+/)").matcher(Files.readString(work.resolve(role + ".log")));
        assertThat(m.find()).isTrue();
        ops.put(role, m.group(1));
      }
      await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
        for (final String role : ops.keySet()) {
          final var ready = OpsScrape.get(ops.get(role) + "health/ready");
          assertThat(ready.statusCode()).as(role + ": " + ready.body()).isEqualTo(200);
        }
      });
      final String connector = "{connector=\"it_services\",service=\"connector\",table=\"public.order_details\"}";
      final double capturedBefore = OpsScrape.value(ops.get("connector"), "ferry_connector_events_captured_total"
          + connector);
      final double appliedBefore = OpsScrape.value(ops.get("sink"), "ferry_sink_rows_applied_total{group="
          + "\"it_services-sink\",service=\"sink\"}");
      // the existing rows came by the default direct load: read and mapped by the connector, not on the CDC topics
      assertThat(OpsScrape.value(ops.get("connector"), "ferry_connector_initial_load_rows_total" + connector))
          .isEqualTo(2155);
      assertThat(OpsScrape.value(ops.get("connector"), "ferry_processor_rows_mapped_total{application=\"it_services"
          + "-initial-load\",service=\"connector\",table=\"public.order_details\"}")).isEqualTo(2155);
      assertThat(appliedBefore).isGreaterThanOrEqualTo(3153);
      assertThat(OpsScrape.get(ops.get("processor") + "metrics").body()).as("the processor mapped none of them")
          .doesNotContain("ferry_processor_rows_mapped_total{application=\"it_services-processor\",service="
              + "\"processor\",table=\"public.order_details\"}");
      final double mappedBefore = 0;
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 77 WHERE order_id = 10250");
        // one row the mapping refuses (a rule), one it applies with a warning
        s.execute("UPDATE products SET unit_price = -1 WHERE product_id = 1");
        s.execute("UPDATE orders SET ship_country = NULL WHERE order_id = 10249");
      }
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() ->
          assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy)));
      // the counters moved with the update (three lines of order 10250), and the lag came back to zero
      await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
        assertThat(OpsScrape.value(ops.get("connector"), "ferry_connector_events_captured_total" + connector))
            .isEqualTo(capturedBefore + 3);
        assertThat(OpsScrape.value(ops.get("sink"), "ferry_sink_rows_applied_total{group=\"it_services-sink\","
            + "service=\"sink\"}")).isGreaterThanOrEqualTo(appliedBefore + 3);
        assertThat(OpsScrape.value(ops.get("sink"), "ferry_sink_lag_records{group=\"it_services-sink\",service="
            + "\"sink\"}")).isZero();
        // the processor's counts per legacy table and rule, the sink's per target table
        final String app = "{application=\"it_services-processor\",";
        assertThat(OpsScrape.value(ops.get("processor"), "ferry_processor_rows_mapped_total" + app
            + "service=\"processor\",table=\"public.order_details\"}")).isEqualTo(mappedBefore + 3);
        assertThat(OpsScrape.value(ops.get("processor"), "ferry_processor_rows_refused_total" + app
            + "rule=\"product-price-not-negative\",service=\"processor\",table=\"public.products\"}")).isEqualTo(1);
        assertThat(OpsScrape.value(ops.get("processor"), "ferry_processor_rows_warned_total" + app
            + "rule=\"ship-country-known\",service=\"processor\",table=\"public.orders\"}")).isEqualTo(1);
        assertThat(OpsScrape.value(ops.get("sink"), "ferry_sink_table_rows_applied_total{group=\"it_services-sink\","
            + "service=\"sink\",table=\"sales_order_line\"}")).isGreaterThanOrEqualTo(2155 + 3);
      });
      final String processor = OpsScrape.get(ops.get("processor") + "metrics").body();
      assertThat(processor).contains("ferry_processor_held_transactions{application=\"it_services-processor\"")
          .contains("ferry_processor_running{application=\"it_services-processor\",service=\"processor\"} 1")
          .contains("kafka_stream_").contains("jvm_memory_used_bytes");
      assertThat(OpsScrape.get(ops.get("sink") + "metrics").body()).contains("kafka_consumer_");
      // every metric the shipped dashboard and alert rules name is one the services export; Kafka Streams' task
      // metrics (the state stores' among them) are bound when the processor's binder next looks, every 10 s
      await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
        final java.util.Set<String> exported = new java.util.HashSet<>();
        for (final String url : ops.values()) {
          OpsScrape.get(url + "metrics").body().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
              .forEach(l -> exported.add(l.replaceFirst("[{ ].*", "")));
        }
        for (final String shipped : List.of("deploy/grafana/dashboards/ferry.json", "deploy/prometheus/alerts.yml")) {
          final java.util.regex.Matcher named = java.util.regex.Pattern.compile("\\b((?:ferry|kafka|jvm|process)_"
              + "[a-z0-9_]+)\\b").matcher(Files.readString(Path.of("..", shipped)));
          int names = 0;
          while (named.find()) {
            names++;
            assertThat(exported).as(shipped + " names " + named.group(1)).contains(named.group(1));
          }
          assertThat(names).as(shipped).isGreaterThan(8);
        }
      });
      assertThat(OpsScrape.get(ops.get("sink")).body()).contains("<h1>Ferry sink: <span class=\"ok\">ready</span>")
          .contains("ferry.sink.rows.applied");
      assertThat(NorthwindRows.actualLines(target).get("10250|41").get(1)).isEqualTo("77");
      services.forEach(p -> assertThat(p.isAlive()).as("service pid %d still running", p.pid()).isTrue());

      // poison pills, where they used to stop a service for good
      // 1. a legacy value larger than Kafka takes: one dead letter, and the connector goes on, also after a restart
      try (Statement s = legacy.createStatement()) {
        s.execute("ALTER TABLE orders ALTER COLUMN ship_name TYPE text");
      }
      try (PreparedStatement ps = legacy.prepareStatement("UPDATE orders SET ship_name = ? WHERE order_id = 10248")) {
        ps.setString(1, "x".repeat(1024) + incompressible(20 * 1024 * 1024));
        ps.executeUpdate();
      }
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 78 WHERE order_id = 10250");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "78".equals(NorthwindRows.actualLines(target)
          .get("10250|41").get(1)));
      restart(services, 2, "connector", file, targetUrl);
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 79 WHERE order_id = 10250");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "79".equals(NorthwindRows.actualLines(target)
          .get("10250|41").get(1)));

      // 2. a record on the apply topic naming a schema the registry does not know: a dead letter, and the sink
      //    goes on, also after a restart (it used to die 0.3 s after every start)
      final var topics = env.config().sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.kafka().producerProperties(),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topics.apply().name(), "10250".getBytes(StandardCharsets.UTF_8),
            new byte[] {0, 0x7f, 0x12, 0x34, 0x56, 1, 2, 3})).get();
      }
      restart(services, 0, "sink", file, targetUrl);
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 80 WHERE order_id = 10250");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "80".equals(NorthwindRows.actualLines(target)
          .get("10250|41").get(1)));
      services.forEach(p -> assertThat(p.isAlive()).as("service pid %d still running", p.pid()).isTrue());
      assertThat(DeadLetterReader.all(stack, env.config())).extracting(l -> l.getStage() + " "
          + l.getErrors().get(0).getRule() + " " + l.getErrors().get(0).getField())
          .containsExactlyInAnyOrder("VALIDATE product-price-not-negative unit_price",
              "VALIDATE ship-country-known ship_country_code", "CAPTURE capture.too-large ship_name",
              "READ sink.unreadable null");
    } finally {
      for (final Process p : services) {
        p.destroy();
      }
      for (final Process p : services) {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
    assertThat(loggedJsonOnly("sink")).anyMatch(m -> m.contains("dead letter: unreadable record"));
    assertThat(loggedJsonOnly("processor")).anyMatch(m -> m.contains("product-price-not-negative"));
    assertThat(loggedJsonOnly("connector")).anyMatch(m -> m.contains("capture ") && m.contains(" started"));
    // each service recorded its runs in the target's history (the file names the target); the connector's last
    // stop with the changes it captured per table
    final List<dev.ferry.history.RunHistory.Entry> runs = env.config().sink().history().recent(100);
    assertThat(runs.stream().map(e -> e.kind().id()).toList()).contains("connector-start", "processor-start",
        "sink-start", "connector-stop", "processor-stop", "sink-stop", "snapshot-applied");
    final dev.ferry.history.RunHistory.Entry stop = runs.stream()
        .filter(e -> e.kind() == dev.ferry.history.RunHistory.Kind.CONNECTOR_STOP).reduce((a, b) -> b).orElseThrow();
    assertThat(stop.counts().get("capturedPerTable").toString()).contains("public.order_details=");
    // every stop in this test was a clean one (SIGTERM): none is recorded as a failure
    assertThat(runs.stream().filter(e -> e.kind().id().endsWith("-stop")).map(e -> e.summary()).toList())
        .isNotEmpty().noneMatch(summary -> summary.contains("failure"));
  }

  /** A service that fails (here: a replication slot name PostgreSQL refuses) exits non-zero, and promptly. */
  @Test
  void aConnectorThatFailsExitsNonZeroPromptly() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_services_fail");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("failing.yaml"), Set.of());
    final Process p = start("connector", file, Map.of("FERRY_CONNECTOR_SLOT_NAME", "Not-A-Valid-Slot"));
    try {
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("exited within 90 s: " + Files.readString(
          work.resolve("connector.log"))).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * An exception nothing in the processor expects (here: a commit marker without its commit position, which
   * only a broken writer produces) stops the service with exit code 1, instead of replacing its stream thread,
   * which met the same record again, forever, with the pipeline stalled behind it.
   */
  @Test
  void aProcessorHittingAnUnexpectedErrorExitsNonZeroInsteadOfRetryingForever() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_services_bug");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("bug.yaml"), Set.of());
    final Process p = start("processor", file, Map.of());
    try {
      final var kafka = env.config().processor().kafka();
      final FerryTopics topics = kafka.topics(new ConfluentRegistryClient(kafka.registryUrl()));
      final String topic = topics.cdc("public.orders").name();
      TopicCreator.ensure(kafka, List.of(topic), kafka.partitions(), Set.of());
      final ChangeEvent broken = ChangeEvent.newBuilder().setOp(ChangeOp.COMMIT)
          .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable("orders")
              .setLsn(1L).setTxId("4711").setTsMs(1L).build())
          .setKey(List.of()).setCommit(null).build();
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(stack.kafka().producerProperties(),
          new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topic, "commit:4711", topics.changeSerde().encode(topic, broken))).get();
      }
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("exited within 120 s: " + Files.readString(
          work.resolve("processor.log"))).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(Files.readString(work.resolve("processor.log"))).contains("stream processor failed; stopping it");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  private void restart(final List<Process> services, final int index, final String role, final Path config,
      final String targetUrl) throws Exception {
    final Process old = services.get(index);
    old.destroy();
    assertThat(old.waitFor(90, TimeUnit.SECONDS)).as(role + " stopped on SIGTERM").isTrue();
    services.set(index, start(role, config, Map.of("FERRY_TARGET_JDBC_URL", targetUrl)));
  }

  private static String incompressible(final int length) {
    final java.util.Random random = new java.util.Random(7);
    final StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) ('!' + random.nextInt(90)));
    }
    return sb.toString();
  }

  /** Starts {@code role}, logging JSON lines as it would for a log shipper ({@code logging.format}). */
  private Process start(final String role, final Path config, final Map<String, String> env) throws Exception {
    final Map<String, String> all = new java.util.HashMap<>(env);
    all.put("FERRY_LOGGING_FORMAT", "json");
    return ServiceProcess.start(role, config, all, work.resolve(role + ".log"));
  }

  /**
   * Every line {@code role} wrote (standard output and error, both in its log; Debezium's, Kafka's and Kafka Streams'
   * lines included) is a JSON object naming the service, with its time, level, logger and message; its announcements
   * (status page, stop) are among them. Returns the messages.
   */
  private List<String> loggedJsonOnly(final String role) throws Exception {
    final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    final List<String> lines = Files.readAllLines(work.resolve(role + ".log"));
    final List<String> messages = new ArrayList<>();
    for (final String line : lines) {
      final com.fasterxml.jackson.databind.JsonNode n;
      try {
        n = json.readTree(line);
      } catch (java.io.IOException e) {
        throw new AssertionError("the " + role + " logged a line that is not JSON: " + line, e);
      }
      assertThat(n.isObject()).as("the " + role + " logged a line that is not a JSON object: " + line).isTrue();
      assertThat(n.get("service").asText()).as(line).isEqualTo(role);
      assertThat(n.get("level").asText()).as(line).isIn("ERROR", "WARN", "INFO");
      assertThat(java.time.Instant.parse(n.get("time").asText())).as(line).isNotNull();
      assertThat(n.get("logger").asText()).as(line).isNotBlank();
      messages.add(n.get("message").asText());
    }
    assertThat(messages).anyMatch(m -> m.startsWith(role + " status page http://127.0.0.1:"))
        .anyMatch(m -> m.startsWith("stopped; peak heap used"));
    return messages;
  }

}
