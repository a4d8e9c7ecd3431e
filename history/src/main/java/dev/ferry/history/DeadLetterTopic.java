package dev.ferry.history;

import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.Topic;
import dev.ferry.schemas.TopicToEnd;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the dead letters written so far: every committed letter of the topic, from its beginning to its end as of the
 * call (the processor writes them in transactions; an aborted one was never a letter). Nothing when no stage has
 * written one yet (the topic is created with the first).
 */
public final class DeadLetterTopic {
  private DeadLetterTopic() {
  }

  /** Hands each letter to {@code each}, in partition order. */
  public static void readAll(final KafkaSettings kafka, final Topic<String, DeadLetter> topic,
      final Consumer<ConsumerRecord<String, DeadLetter>> each) {
    TopicToEnd.read(kafka, topic, each);
  }
}
