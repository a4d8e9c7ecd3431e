package dev.ferry.cli;

import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.TopicToEnd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a pipeline's dead-letter topic from the start, as a test checks it. */
final class DeadLettersRead {
  private DeadLettersRead() {
  }

  /** The dead letters with errors (not warnings), waiting up to a minute for {@code expected} of them. */
  static List<DeadLetter> errors(final EmbeddedStack stack, final FerryConfig config, final int expected,
      final String reader) {
    final var topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", reader);
    p.put("auto.offset.reset", "earliest");
    final List<DeadLetter> out = new ArrayList<>();
    try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer())) {
      c.subscribe(List.of(topics.deadLetter().name()));
      final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.value().getErrors().stream().anyMatch(e -> e.getSeverity() == Severity.ERROR)) {
            out.add(r.value());
          }
        });
      }
    }
    return out;
  }

  /**
   * The refusals on the dead-letter topic (letters with an ERROR; Northwind's own data draws warnings), read to
   * its end ({@link TopicToEnd#read}), as {@code stage source-key rule}.
   */
  static List<String> refusals(final EmbeddedStack stack, final FerryConfig config) {
    final var kafka = config.sink().kafka();
    final List<String> out = new ArrayList<>();
    TopicToEnd.read(kafka, kafka.topics(new ConfluentRegistryClient(stack.registry().url())).deadLetter(),
        r -> {
          if (r.value().getErrors().stream().anyMatch(e -> e.getSeverity() == Severity.ERROR)) {
            out.add(r.value().getStage() + " " + r.value().getSourceKey() + " " + r.value().getErrors().get(0).getRule());
          }
        });
    return out;
  }
}
