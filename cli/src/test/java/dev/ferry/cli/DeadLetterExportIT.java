package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.Stage;
import dev.ferry.schemas.TopicCreator;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry dead-letters} lists what was dead-lettered, not what a processor transaction wrote and then
 * aborted (it writes those again when its task retries): read committed only.
 */
class DeadLetterExportIT {
  private final EmbeddedStack stack = SharedStack.get();

  @Test
  void anAbortedTransactionsDeadLettersAreNotListed() throws Exception {
    final FerryTopics topics = new FerryTopics("it_export", new ConfluentRegistryClient(stack.registry().url()));
    final String topic = topics.deadLetter().name();
    TopicCreator.ensure(new dev.ferry.schemas.KafkaSettings(stack.kafka().bootstrapServers(), stack.registry().url(),
        "it_export", 1, (short) 1), List.of(topic), 1, java.util.Set.of());
    final Properties p = stack.kafka().producerProperties();
    p.put("transactional.id", "it-export-tx");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, letter(topics, "aborted")));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, letter(topics, "committed")));
      producer.commitTransaction();
    }
    final StringWriter out = new StringWriter();
    final Map<String, Long> counts = new TreeMap<>();
    final long n = DeadLetterExport.write(new dev.ferry.schemas.KafkaSettings(stack.kafka().bootstrapServers(),
        stack.registry().url(), "unused", 1, (short) 1), topics.deadLetter(), out, counts);
    assertThat(n).isEqualTo(1);
    assertThat(out.toString()).contains("\"sourceKey\":\"committed\"").doesNotContain("aborted");
    assertThat(counts).containsExactly(Map.entry("MAP map.decimal", 1L));
  }

  private static byte[] letter(final FerryTopics topics, final String key) {
    final DeadLetter d = DeadLetters.of(Stage.MAP, "it_export.cdc.public.t", -1, -1L, null, null, "public.t", key,
        1L, List.of(DeadLetters.error("map.decimal", "x", "NaN", "not a number", null)), "v1");
    return topics.deadLetter().valueSerde().serializer().serialize(topics.deadLetter().name(), d);
  }
}
