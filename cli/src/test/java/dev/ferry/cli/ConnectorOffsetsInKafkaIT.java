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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code connector.offset-storage: kafka} the capture keeps its source position in a compacted
 * topic, not a file: stopped and started again, it streams what changed meanwhile and does not read
 * the tables a second time.
 */
class ConnectorOffsetsInKafkaIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aCaptureWithItsPositionInKafkaResumesWithoutASecondSnapshot() throws Exception {
    final DemoEnvironment base = DemoEnvironment.create(stack, work, "it_kafka_offsets");
    final FerryConfig config = FerryConfig.resolve(base.source().with("connector.offset-storage", "kafka", "test")
        // Debezium's own snapshot and offsets (DirectLoadIT: the direct load's position in Kafka)
        .with("connector.initial-load", "kafka", "test"),
        EnumSet.allOf(Role.class), work);
    final FerryTopics topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));

    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = base.legacy();
        Connection target = base.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
    }
    assertThat(Files.exists(config.connector().offsetFile())).as("the offset file is not used").isFalse();
    assertThat(records(config.connector().offsetTopic(), r -> true)).isPositive();

    // changed while the services are down
    try (Connection legacy = base.legacy(); Statement s = legacy.createStatement()) {
      s.execute("UPDATE order_details SET quantity = 55 WHERE order_id = 10250");
    }
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = base.legacy();
        Connection target = base.target()) {
      await().atMost(Duration.ofMinutes(3)).untilAsserted(() ->
          assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy)));
      assertThat(NorthwindRows.actualLines(target).get("10250|41").get(1)).isEqualTo("55");
      // Debezium skipped the snapshot, and said so: the capture counts as streaming (a drain waits for that)
      await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.capture().streaming());
    }
    // one snapshot: every order was read once
    final String orders = topics.cdc("public.orders").name();
    try (KafkaConsumer<String, ChangeEvent> check = new KafkaConsumer<>(consumerProperties(),
        new StringDeserializer(), topics.changeSerde().deserializer())) {
      check.subscribe(List.of(orders));
      long read = 0;
      long seen = 0;
      long idleSince = System.nanoTime();
      final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      // until the topic has been read to its end: records came, then none for 3 s
      final long quiet = Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < deadline && (seen == 0 || System.nanoTime() - idleSince < quiet)) {
        for (final ConsumerRecord<String, ChangeEvent> r : check.poll(Duration.ofMillis(200))) {
          idleSince = System.nanoTime();
          seen++;
          if (r.value().getOp() == ChangeOp.READ) {
            read++;
          }
        }
      }
      assertThat(read).isEqualTo(830);
    }
  }

  private long records(final String topic, final java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> which) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long n = 0;
      final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (n == 0 && System.nanoTime() < deadline) {
        for (final ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (which.test(r)) {
            n++;
          }
        }
      }
      return n;
    }
  }

  private Properties consumerProperties() {
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", "offsets-check-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    return p;
  }
}
