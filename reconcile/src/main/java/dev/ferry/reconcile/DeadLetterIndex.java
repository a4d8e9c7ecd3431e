package dev.ferry.reconcile;

import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The dead letters written so far, by the row they are about: what explains a difference between the legacy data
 * and the target. A processor's letter names the legacy table and key; the sink's names the legacy table and the
 * target key (it no longer knows the legacy one), so both are looked up. The newest letter of a row wins.
 */
public final class DeadLetterIndex {
  /** Why a row is not in the target as the legacy data says: one dead letter's first error. */
  record Explanation(String stage, String rule, String value, String message, String resolution, long tsMs,
      int partition, long offset) {
  }

  private final Map<String, Explanation> byRow = new HashMap<>();
  private long letters;

  static DeadLetterIndex empty() {
    return new DeadLetterIndex();
  }

  /** Reads every committed letter of {@code topic} from its beginning to its end as of now. */
  static DeadLetterIndex read(final KafkaSettings kafka, final Topic<String, DeadLetter> topic) {
    final DeadLetterIndex index = new DeadLetterIndex();
    final Properties p = KafkaClients.properties(kafka);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        topic.valueSerde().deserializer())) {
      if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic.name())) {
        // no stage has written a dead letter yet (the topic is created with the first)
        return index;
      }
      final List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read the dead-letter topic " + topic.name()
              + " to its end within 5 minutes");
        }
        for (final var r : consumer.poll(Duration.ofMillis(200))) {
          index.add(r.value(), r.partition(), r.offset());
        }
      }
    }
    return index;
  }

  void add(final DeadLetter letter, final int partition, final long offset) {
    letters++;
    if (letter.getSourceTable() == null || letter.getSourceKey() == null || letter.getErrors().isEmpty()) {
      return;
    }
    final RecordError e = letter.getErrors().get(0);
    byRow.put(letter.getSourceTable() + "\u0001" + letter.getSourceKey(), new Explanation(letter.getStage().name(),
        e.getRule(), e.getValue(), e.getMessage(), e.getResolution(), letter.getTsMs(), partition, offset));
  }

  /** The letter about the row of {@code sourceTable} with key {@code key} (legacy or target key text); or null. */
  Explanation explain(final String sourceTable, final String key) {
    return byRow.get(sourceTable + "\u0001" + key);
  }

  long letters() {
    return letters;
  }
}
