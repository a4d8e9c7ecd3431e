package dev.ferry.history;

import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the dead letters written so far: every committed letter of the topic, from its beginning to its end as of the
 * call (the processor writes them in transactions; an aborted one was never a letter). Nothing when no stage has
 * written one yet (the topic is created with the first).
 */
public final class DeadLetterTopic {
  private static final Duration LIMIT = Duration.ofMinutes(5);

  private DeadLetterTopic() {
  }

  /** Hands each letter to {@code each}, in partition order. */
  public static void readAll(final KafkaSettings kafka, final Topic<String, DeadLetter> topic,
      final Consumer<ConsumerRecord<String, DeadLetter>> each) {
    final Properties p = KafkaClients.properties(kafka);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        topic.valueSerde().deserializer())) {
      if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic.name())) {
        return;
      }
      final List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      final long deadline = System.nanoTime() + LIMIT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic.name() + " to its end within " + LIMIT);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
