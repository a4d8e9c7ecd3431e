package dev.ferry.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumer following the control topic ({@link LiveDirection}) from its beginning, for whoever reads it again and
 * again: a sink's gate, {@code ferry cutover}'s drain and flip. Each call reads on from where the last stopped, so a
 * check a second costs a fetch, not a new consumer and a read of the whole topic. The live direction only moves to a
 * higher epoch; each service's answer is its last. Not thread-safe, except {@link #wakeup()}.
 */
public final class LiveDirectionReader implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration END_TIMEOUT = Duration.ofSeconds(30);

  private final String topic;
  private final KafkaConsumer<String, String> consumer;
  private final TopicPartition partition;
  private LiveDirection.State state = LiveDirection.State.INITIAL;
  private final Map<String, LiveDirection.Answer> answers = new LinkedHashMap<>();

  /** Creates the topic where it is missing, and starts at its beginning. */
  public LiveDirectionReader(final KafkaSettings kafka, final String topic) {
    LiveDirection.ensureTopic(kafka, topic);
    this.topic = topic;
    this.consumer = LiveDirection.consumer(kafka);
    this.partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
  }

  /**
   * Reads to the end the topic has now and returns what it says.
   *
   * @throws IllegalStateException when the end is not reached within 30 s, or a record cannot be read
   */
  public LiveDirection.Snapshot snapshot() {
    final long end = consumer.endOffsets(List.of(partition)).get(partition);
    final long deadline = System.nanoTime() + END_TIMEOUT.toNanos();
    while (consumer.position(partition) < end && System.nanoTime() < deadline) {
      poll(Duration.ofMillis(200));
    }
    if (consumer.position(partition) < end) {
      throw new IllegalStateException("control topic " + topic + " could not be read to its end within "
          + END_TIMEOUT.toSeconds() + " s");
    }
    return current();
  }

  /** Waits up to {@code timeout} for new records, reads those that came, and returns what the topic says so far. */
  public LiveDirection.Snapshot poll(final Duration timeout) {
    for (final ConsumerRecord<String, String> r : consumer.poll(timeout)) {
      fold(r);
    }
    return current();
  }

  /** Makes a {@link #poll} in progress on another thread return at once (with Kafka's {@code WakeupException}). */
  public void wakeup() {
    consumer.wakeup();
  }

  private LiveDirection.Snapshot current() {
    return new LiveDirection.Snapshot(state, Map.copyOf(answers));
  }

  private void fold(final ConsumerRecord<String, String> r) {
    if (r.value() == null || r.key() == null) {
      return;
    }
    if (LiveDirection.DIRECTION.equals(r.key())) {
      final LiveDirection.State next = LiveDirection.state(r.value());
      if (next.epoch() >= state.epoch()) {
        state = next;
      }
      return;
    }
    try {
      final JsonNode v = JSON.readTree(r.value());
      final Map<String, Long> figures = new LinkedHashMap<>();
      v.path("figures").fields().forEachRemaining(f -> figures.put(f.getKey(), f.getValue().asLong()));
      answers.put(r.key(), new LiveDirection.Answer(r.key(), LiveDirection.Direction.of(v.get("direction").asText()),
          v.get("state").asText(), v.get("epoch").asLong(), Instant.parse(v.get("at").asText()), figures));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
      throw new IllegalStateException("control topic " + topic + " holds a record Ferry cannot read (key " + r.key()
          + "): " + e, e);
    }
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
