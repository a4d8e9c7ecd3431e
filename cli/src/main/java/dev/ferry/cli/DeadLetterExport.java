package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.Topic;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Writes every record of a dead-letter topic, from the beginning to its current end, as one JSON
 * object a line: the Avro fields by name, bytes as base64, enums as their names. Used by
 * {@code ferry dead-letters} and the sandbox's export.
 */
public final class DeadLetterExport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DeadLetterExport() {
  }

  /** Writes them to {@code file}; returns the number of dead letters written. */
  public static long write(final KafkaSettings kafka, final Topic<String, DeadLetter> topic, final Path file)
      throws IOException {
    try (Writer out = Files.newBufferedWriter(file)) {
      return write(kafka, topic, out, null);
    }
  }

  /**
   * Writes them to {@code out} (left open), counting them per stage and rule of the first error into
   * {@code counts} unless it is null; returns the number written.
   */
  public static long write(final KafkaSettings kafka, final Topic<String, DeadLetter> topic, final Writer out,
      final Map<String, Long> counts) throws IOException {
    final Properties p = KafkaClients.properties(kafka);
    p.put("enable.auto.commit", "false");
    // the processor writes dead letters in transactions: an aborted one was never a dead letter (it is written
    // again when the task retries), so only committed ones count
    p.put("isolation.level", "read_committed");
    long written = 0;
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        topic.valueSerde().deserializer())) {
      final List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      final Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (final var r : consumer.poll(Duration.ofMillis(200))) {
          out.write(JSON.writeValueAsString(json(r.value())));
          out.write('\n');
          written++;
          if (counts == null) {
            continue;
          }
          final DeadLetter d = r.value();
          counts.merge(d.getStage() + " " + (d.getErrors().isEmpty() ? "?" : d.getErrors().get(0).getRule()), 1L,
              Long::sum);
        }
      }
    }
    return written;
  }

  static JsonNode json(final SpecificRecord record) {
    final ObjectNode node = JSON.createObjectNode();
    for (final Schema.Field f : record.getSchema().getFields()) {
      node.set(f.name(), value(record.get(f.pos())));
    }
    return node;
  }

  private static JsonNode value(final Object v) {
    if (v == null) {
      return JSON.nullNode();
    }
    if (v instanceof SpecificRecord r) {
      return json(r);
    }
    if (v instanceof List<?> list) {
      final ArrayNode a = JSON.createArrayNode();
      list.forEach(i -> a.add(value(i)));
      return a;
    }
    if (v instanceof ByteBuffer b) {
      final ByteBuffer copy = b.duplicate();
      final byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      return JSON.getNodeFactory().textNode(Base64.getEncoder().encodeToString(bytes));
    }
    return JSON.valueToTree(v instanceof Enum<?> e ? e.name() : v);
  }
}
