package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.TopicCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink in its own JVM ({@code ferry sink -c sink.yaml}), killed with SIGKILL (its own PID, as
 * {@code kill -9} does) five times at random moments of a 200,000-event workload: the target ends
 * equal to the source's final state, no row missing, none duplicated, none older than the source.
 */
class SinkCrashIT {
  private static final int EVENTS = 200_000;
  private static final int KEYS = 40_000;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void fiveKillNineCrashesDuringTwoHundredThousandEventsLeaveTheTargetExactlyRight() throws Exception {
    final String db = EmbeddedDatabase.uniqueName("crash");
    stack.target().createDatabase(db);
    try (Connection c = stack.target().connect(db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL, note text, ferry_version bigint NOT NULL)");
    }
    final KafkaSettings kafka = new KafkaSettings(stack.kafka().bootstrapServers(), stack.registry().url(), db, 3,
        (short) 1);
    final FerryTopics topics = kafka.topics(new ConfluentRegistryClient(kafka.registryUrl()));
    TopicCreator.ensure(kafka, List.of(topics.apply().name(), topics.deadLetter().name()), 3, Set.of());

    // the workload: every key written several times, some deleted, in version order per key
    final Map<Integer, Integer> expected = new HashMap<>();
    final Map<Integer, Long> expectedVersion = new HashMap<>();
    final Random random = new Random(11);
    final Properties p = stack.kafka().producerProperties();
    p.put("linger.ms", "20");
    p.put("batch.size", String.valueOf(512 * 1024));
    try (KafkaProducer<String, ApplyRecord> producer = new KafkaProducer<>(p, new StringSerializer(),
        topics.apply().valueSerde().serializer())) {
      for (long version = 1; version <= EVENTS; version++) {
        final int id = 1 + random.nextInt(KEYS);
        final boolean delete = random.nextInt(20) == 0;
        final int qty = random.nextInt(1_000_000);
        final ApplyRecord r = ApplyRecord.newBuilder().setTable("item").setOp(delete ? ApplyOp.DELETE : ApplyOp.UPSERT)
            .setKey(List.of(Columns.of("id", id)))
            .setRow(delete ? null : List.of(Columns.of("id", id), Columns.of("qty", qty), Columns.of("note", "n" + qty)))
            .setVersion(version).setSourceTable("public.item").setSourceTsMs(0L).build();
        producer.send(new ProducerRecord<>(topics.apply().name(), String.valueOf(id), r));
        if (delete) {
          expected.remove(id);
          expectedVersion.remove(id);
        } else {
          expected.put(id, qty);
          expectedVersion.put(id, version);
        }
      }
    }

    final Path config = work.resolve("sink.yaml");
    Files.writeString(config, String.join("\n",
        "kafka.bootstrap-servers: \"" + stack.kafka().bootstrapServers() + "\"",
        "registry.url: \"" + stack.registry().url() + "\"",
        "topics.prefix: \"" + db + "\"",
        "target.jdbc-url: \"" + stack.target().jdbcUrl(db) + "\"",
        "sink.group-id: \"" + db + "-sink\"",
        "sink.batch-size: 500",
        // a restarted sink takes its partitions back at once, as a StatefulSet pod would
        "sink.instance-id: crash-sink", ""));
    for (int kill = 1; kill <= 5; kill++) {
      final Process sink = startSink(config, kill);
      final long before = offsetsSum(db);
      // let it apply something, then kill it at a random moment
      await().atMost(Duration.ofMinutes(2)).until(() -> offsetsSum(db) > before || !sink.isAlive());
      Thread.sleep(50 + random.nextInt(400));
      assertThat(sink.isAlive()).as("sink %d still running before its kill", kill).isTrue();
      sink.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(offsetsSum(db)).as("the crashes came before the end of the workload").isLessThan(EVENTS);
    final Process last = startSink(config, 6);
    try {
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> offsetsSum(db) == EVENTS);
      final Map<Integer, Integer> actual = new HashMap<>();
      final Map<Integer, Long> actualVersion = new HashMap<>();
      try (Connection c = stack.target().connect(db); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id, qty, ferry_version FROM item")) {
        while (rs.next()) {
          actual.put(rs.getInt(1), rs.getInt(2));
          actualVersion.put(rs.getInt(1), rs.getLong(3));
        }
      }
      assertThat(actual).isEqualTo(expected);
      assertThat(actualVersion).isEqualTo(expectedVersion);
    } finally {
      last.destroy();
      last.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Sum of the next offsets the sink stored in the target, over all partitions: records consumed and committed. */
  private long offsetsSum(final String db) throws Exception {
    try (Connection c = stack.target().connect(db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(sum(next_offset), 0) FROM ferry_sink_offsets")) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      return 0;
    }
  }

  private Process startSink(final Path config, final int run) throws Exception {
    final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.ferry.cli.Ferry",
        "sink", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("sink-" + run + ".log").toFile()).start();
  }
}
