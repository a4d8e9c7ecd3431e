package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.config.ConfigSource;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.ConfluentRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No echo: the new system's database is captured too (as the reverse direction at cutover will), while the forward
 * sync writes into it. Every transaction the forward sink writes carries Ferry's mark ({@code sink.mark-writes}), so
 * the reverse capture flags
 * it and the reverse processor drops it: the reverse apply topic gets the change the new application made itself,
 * and none of the rows the forward sync wrote.
 */
class EchoIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void whatTheSinkWroteIsNotSentBackAndWhatTheNewSystemWroteIs() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_echo");
    final Path reverseDir = work.resolve("it_echo_back");
    Files.createDirectories(reverseDir);
    final Path reverseMapping = reverseDir.resolve("mapping.yaml");
    Files.writeString(reverseMapping, """
        version: "reverse-1"
        tables:
          - source: public.sales_order
            target: orders
            fields: {order_id: id, freight: freight}
        """);
    final ConfigSource reverseSource = DemoEnvironment.configSource(ConfigSource.empty()
            .with("connector.snapshot-mode", "no-data", "test"), stack, "it_echo_back", env.targetDatabase(),
            env.legacyDatabase(), "public.sales_order", "", reverseMapping, reverseDir)
        .with("legacy.port", String.valueOf(stack.target().port()), "test")
        .with("legacy.host", stack.target().host(), "test");
    final FerryConfig reverse = FerryConfig.resolve(reverseSource, EnumSet.of(Role.CONNECTOR, Role.PROCESSOR),
        reverseDir);

    // the forward sink's target is captured by the reverse direction: its writes are marked
    final FerryConfig forwardConfig = FerryConfig.resolve(env.source().with("sink.mark-writes", "true", "test"),
        EnumSet.allOf(Role.class), work);
    try (Pipeline forward = new Pipeline(forwardConfig).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      try (LegacyCapture capture = new LegacyCapture(reverse.connector()).start();
          StreamProcessor processor = new StreamProcessor(reverse.processor()).start()) {
        await().atMost(Duration.ofMinutes(2)).until(capture::streaming);
        try (Statement s = legacy.createStatement()) {
          for (final int id : List.of(10248, 10249, 10250)) {
            s.execute("UPDATE orders SET freight = freight + 100 WHERE order_id = " + id);
          }
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "SELECT count(*) FROM sales_order WHERE id IN "
            + "(10248, 10249, 10250) AND freight > 100") == 3);
        // the new application writes the new system itself
        try (Statement s = target.createStatement()) {
          s.execute("UPDATE sales_order SET freight = 1.25 WHERE id = 10300");
        }
        final List<String> sentBack = new ArrayList<>();
        try (KafkaConsumer<String, ApplyRecord> c = consumer(reverse)) {
          final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
          while (sentBack.stream().noneMatch(k -> k.equals("10300")) && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200)).forEach(r -> sentBack.add(Columns.keyText(r.value().getKey())));
          }
          // anything else still on its way would have come by now: the forward writes were before the new one
          final long quiet = System.nanoTime() + Duration.ofSeconds(3).toNanos();
          while (System.nanoTime() < quiet) {
            c.poll(Duration.ofMillis(200)).forEach(r -> sentBack.add(Columns.keyText(r.value().getKey())));
          }
        }
        assertThat(sentBack).as("only what the new system wrote itself goes back").containsExactly("10300");
        await().atMost(Duration.ofMinutes(1)).until(() -> processor.echoTransactionsDropped() >= 1);
      }
    }
  }

  private KafkaConsumer<String, ApplyRecord> consumer(final FerryConfig reverse) {
    final var topics = reverse.processor().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", "echo-it");
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    final KafkaConsumer<String, ApplyRecord> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topics.apply().valueSerde().deserializer());
    c.subscribe(List.of(topics.apply().name()));
    return c;
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
