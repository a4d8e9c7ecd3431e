package dev.ferry.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a topic from its beginning to its end as of the call: every committed record (Ferry's stages write in
 * Kafka transactions; an aborted record was never written), partition by partition in offset order. Nothing when
 * the topic does not exist yet. Bounded: gives up after {@value #LIMIT_MINUTES} minutes.
 */
public final class TopicToEnd {
  private static final int LIMIT_MINUTES = 5;

  private TopicToEnd() {
  }

  /** Hands each record of {@code topic} to {@code each}. */
  public static <V> void read(final KafkaSettings kafka, final Topic<String, V> topic,
      final Consumer<ConsumerRecord<String, V>> each) {
    read(kafka, topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer(), each);
  }

  /** How many records {@code topic} holds (Kafka's transaction markers, which take offsets too, not counted). */
  public static long count(final KafkaSettings kafka, final String topic) {
    final long[] n = {0};
    read(kafka, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(), r -> n[0]++);
    return n[0];
  }

  private static <K, V> void read(final KafkaSettings kafka, final String topic, final Deserializer<K> keys,
      final Deserializer<V> values, final Consumer<ConsumerRecord<K, V>> each) {
    final Properties p = KafkaClients.properties(kafka);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(p, keys, values)) {
      if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic)) {
        return;
      }
      final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      final long deadline = System.nanoTime() + Duration.ofMinutes(LIMIT_MINUTES).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + LIMIT_MINUTES
              + " minutes");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
