package dev.ferry.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
    final Properties p = KafkaClients.properties(kafka);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(),
        topic.valueSerde().deserializer())) {
      if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic.name())) {
        return;
      }
      final List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      final long deadline = System.nanoTime() + Duration.ofMinutes(LIMIT_MINUTES).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic.name() + " to its end within " + LIMIT_MINUTES
              + " minutes");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
