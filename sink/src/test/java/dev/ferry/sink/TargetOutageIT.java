package dev.ferry.sink;

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
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target database goes away for 15 seconds in the middle of a stream (several of the sink's 2 s retries): the
 * sink waits (partitions paused, retrying with backoff), resumes when it is back, loses nothing and dead-letters
 * nothing. Later it crashes (its postmaster killed as the sink applies a round, no shutdown checkpoint) and comes
 * back through crash recovery: a target transaction the crash cut is gone with its stored offsets (they commit
 * together), so the sink applies it again, and the end state is the same.
 */
class TargetOutageIT {
  private static final int ITEMS = 2_000;
  private static final int ROUNDS = 5;

  @TempDir
  Path dir;

  @Test
  void theSinkWaitsOutA15SecondOutageAndResumesWithNothingLostOrDeadLettered() throws Exception {
    final EmbeddedStack stack = SharedStack.get();
    final EmbeddedDatabase[] current = {EmbeddedDatabase.startPersistent(dir, "outage-pg")};
    EmbeddedDatabase target = current[0];
    try {
      target.createDatabase("outage");
      try (Connection c = target.connect("outage"); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL, ferry_version bigint NOT NULL)");
      }
      final KafkaSettings kafka = new KafkaSettings(stack.kafka().bootstrapServers(), stack.registry().url(),
          "outage", 3, (short) 1);
      final FerryTopics topics = kafka.topics(new ConfluentRegistryClient(kafka.registryUrl()));
      TopicCreator.ensure(kafka, List.of(topics.apply().name(), topics.deadLetter().name()), 3, Set.of());
      final SinkConfig config = new SinkConfig(kafka, target.jdbcUrl("outage"), EmbeddedDatabase.USER, "",
          "outage-sink", 500, "ferry_version", "ferry_sink_offsets", Duration.ofSeconds(2));
      final Map<Integer, Integer> expected = new HashMap<>();
      final Properties p = stack.kafka().producerProperties();
      try (TargetSink sink = new TargetSink(config).start();
          dev.ferry.ops.OpsServer ops = dev.ferry.ops.OpsServer.start(dev.ferry.ops.OpsConfig.LOOPBACK,
              dev.ferry.ops.OpsConfig.Service.SINK);
          KafkaProducer<String, ApplyRecord> producer = new KafkaProducer<>(p, new StringSerializer(),
              topics.apply().valueSerde().serializer())) {
        // the sink's port for operators, as ferry sink opens it: readiness says whether the target can be written
        new SinkMeters(sink).bindTo(ops.registry());
        ops.readiness(() -> sink.unreadyBecause() == null ? dev.ferry.ops.Readiness.ready("sink", "applying")
            : dev.ferry.ops.Readiness.notReady("sink", sink.unreadyBecause()));
        await().atMost(Duration.ofMinutes(1)).until(() -> get(ops, "/health/ready").statusCode() == 200);
        long version = 0;
        for (int round = 0; round < ROUNDS; round++) {
          // the target goes down before round 1 is sent, so that the sink has that round to write during the outage
          // (closed after the sends, it could apply the round first and then wait with nothing to write: ready)
          final long down = System.nanoTime();
          if (round == 1) {
            target.close();
          }
          long caughtUp = -1;
          if (round == 3) {
            // caught up after the outage first, so that the crash below lands while this round is being applied
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> sink.lag() == 0 && actual(current[0]).equals(expected));
            caughtUp = sink.applied();
          }
          for (int id = 1; id <= ITEMS; id++) {
            version++;
            final int qty = round * 10_000 + id;
            producer.send(new ProducerRecord<>(topics.apply().name(), String.valueOf(id), item(id, qty, version)));
            expected.put(id, qty);
          }
          producer.flush();
          if (round == 1) {
            long appliedBefore = -1;
            while (System.nanoTime() - down < Duration.ofSeconds(15).toNanos()) {
              assertThat(sink.isRunning()).as("the sink keeps running while the target is down").isTrue();
              Thread.sleep(1000);
              if (appliedBefore < 0 && System.nanoTime() - down > Duration.ofSeconds(2).toNanos()) {
                appliedBefore = sink.applied();
              }
            }
            assertThat(sink.applied()).as("nothing applies while the target is down").isEqualTo(appliedBefore);
            final java.net.http.HttpResponse<String> down503 = get(ops, "/health/ready");
            assertThat(down503.statusCode()).as(down503.body()).isEqualTo(503);
            assertThat(down503.body()).startsWith("not ready  sink: target database unavailable: ");
            target = target.restart(dir);
            current[0] = target;
          }
          if (round == 3) {
            final long before = caughtUp;
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(1))
                .until(() -> sink.applied() > before);
            target.crash();
            // most often mid-round (the sink applies it in batches of 500); a machine that stalls the test's thread
            // may let the sink finish first, which the end state must survive too
            org.slf4j.LoggerFactory.getLogger(TargetOutageIT.class).info("target crashed; the sink had applied {} "
                + "of the round's {} rows when the crash was complete", sink.applied() - before, ITEMS);
            Thread.sleep(3_000);
            target = target.restart(dir);
            current[0] = target;
          }
        }
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> sink.lag() == 0 && actual(current[0]).equals(expected));
        assertThat(sink.failed()).isZero();
        assertThat(sink.failure()).isNull();
        await().atMost(Duration.ofMinutes(1)).until(() -> get(ops, "/health/ready").statusCode() == 200);
        assertThat(get(ops, "/health/ready").body()).isEqualTo("ready      sink: applying\n");
        final String scraped = get(ops, "/metrics").body();
        assertThat(value(scraped, "ferry_sink_rows_applied_total{group=\"outage-sink\",service=\"sink\"}"))
            .isEqualTo(sink.applied());
        assertThat(value(scraped, "ferry_sink_lag_records{group=\"outage-sink\",service=\"sink\"}")).isZero();
      }
      assertThat(DeadLetterCount.of(stack.kafka().bootstrapServers(), topics)).isZero();
    } finally {
      current[0].close();
    }
  }

  private static java.net.http.HttpResponse<String> get(final dev.ferry.ops.OpsServer ops, final String path)
      throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + ops.port() + path)).timeout(Duration.ofSeconds(10)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the series {@code series} (name and labels as Prometheus prints them) in a scrape. */
  private static long value(final String scrape, final String series) {
    return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> (long) Double.parseDouble(l.substring(series.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no " + series + " in " + scrape));
  }

  private static Map<Integer, Integer> actual(final EmbeddedDatabase db) throws Exception {
    final Map<Integer, Integer> out = new HashMap<>();
    try (Connection c = db.connect("outage"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, qty FROM item")) {
      while (rs.next()) {
        out.put(rs.getInt(1), rs.getInt(2));
      }
    }
    return out;
  }

  private static ApplyRecord item(final int id, final int qty, final long version) {
    return ApplyRecord.newBuilder().setTable("item").setOp(ApplyOp.UPSERT).setKey(List.of(Columns.of("id", id)))
        .setRow(List.of(Columns.of("id", id), Columns.of("qty", qty))).setVersion(version)
        .setSourceTable("public.item").setSourceTsMs(System.currentTimeMillis()).build();
  }
}
