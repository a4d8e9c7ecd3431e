package dev.ferry.schemas;

import java.time.Duration;
import java.time.Instant;
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
 * Reads a topic from its beginning (or from a time) to its end as of the call: every committed record (Ferry's
 * stages write in Kafka transactions; an aborted record was never written), partition by partition in offset order.
 * Nothing when the topic does not exist yet. Bounded: gives up after {@value #LIMIT_MINUTES} minutes.
 */
public final class TopicToEnd {
  private static final int LIMIT_MINUTES = 5;

  private TopicToEnd() {
  }

  /** Hands each record of {@code topic} to {@code each}. */
  public static <V> void read(final KafkaSettings kafka, final Topic<String, V> topic,
      final Consumer<ConsumerRecord<String, V>> each) {
    read(kafka, topic.name(), null, topic.keySerde().deserializer(), topic.valueSerde().deserializer(), each);
  }

  /**
   * Hands each record of {@code topic} with a timestamp at or after {@code since} to {@code each}, to the end as of
   * the call.
   */
  public static <V> void readSince(final KafkaSettings kafka, final Topic<String, V> topic, final Instant since,
      final Consumer<ConsumerRecord<String, V>> each) {
    read(kafka, topic.name(), since, topic.keySerde().deserializer(), topic.valueSerde().deserializer(), each);
  }

  /** How many records {@code topic} holds (Kafka's transaction markers, which take offsets too, not counted). */
  public static long count(final KafkaSettings kafka, final String topic) {
    final long[] n = {0};
    read(kafka, topic, null, new ByteArrayDeserializer(), new ByteArrayDeserializer(), r -> n[0]++);
    return n[0];
  }

  /** Reads {@code topic} from {@code since} (a record timestamp; null: the beginning) to its end. */
  private static <K, V> void read(final KafkaSettings kafka, final String topic, final Instant since,
      final Deserializer<K> keys, final Deserializer<V> values, final Consumer<ConsumerRecord<K, V>> each) {
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
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      if (since == null) {
        consumer.seekToBeginning(partitions);
      } else {
        final Map<TopicPartition, Long> at = new java.util.HashMap<>();
        partitions.forEach(tp -> at.put(tp, since.toEpochMilli()));
        consumer.offsetsForTimes(at, Duration.ofSeconds(30)).forEach((tp, found) ->
            consumer.seek(tp, found == null ? end.get(tp) : found.offset()));
      }
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
