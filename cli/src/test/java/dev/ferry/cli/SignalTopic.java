package dev.ferry.cli;

import dev.ferry.embedded.EmbeddedStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The signals on a capture's signal topic (one partition), as Debezium reads them. */
final class SignalTopic {
  private SignalTopic() {
  }

  /** Every signal on {@code topic} so far, in order (at most 30 s spent reading). */
  static List<ConsumerRecord<String, String>> read(final EmbeddedStack stack, final String topic) {
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    final List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      final TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      final long end = c.endOffsets(List.of(tp)).get(tp);
      final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
