package dev.ferry.cli;

import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads every committed dead letter of a pipeline written so far, as a user's tool would (read_committed). */
final class DeadLetterReader {
  private DeadLetterReader() {
  }

  static List<DeadLetter> all(final EmbeddedStack stack, final FerryConfig config) {
    final Topic<String, DeadLetter> topic = config.sink().kafka()
        .topics(new ConfluentRegistryClient(stack.registry().url())).deadLetter();
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    final List<DeadLetter> out = new ArrayList<>();
    try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topic.valueSerde().deserializer())) {
      final List<TopicPartition> partitions = c.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = c.endOffsets(partitions);
      final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
    }
    return out;
  }
}
