package dev.ferry.processor;

import dev.ferry.schemas.AvroSerde;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads change events from their raw bytes, so that a record that cannot be read is kept byte for
 * byte: it goes to the dead-letter sink (stage READ) and the pipeline goes on.
 *
 * <p>The processor reads every captured table's topic, mapped or not: the connector's commit markers count
 * every captured table a transaction touched, so a transaction over a mapped and a captured-but-unmapped table
 * (normal in a phased rollout, where tables are captured before they are mapped) is complete only with the
 * unmapped topic's marker. Rows of unmapped tables are dropped here, after decoding; their markers go on.
 */
final class ChangeDecoder implements Processor<String, byte[], String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeDecoder.class);

  private final AvroSerde<ChangeEvent> changes;
  private final String mappingVersion;
  private final Set<String> mappedTopics;
  private final Set<String> unmappedSeen = new HashSet<>();
  private ProcessorContext<String, Object> context;

  ChangeDecoder(final AvroSerde<ChangeEvent> changes, final String mappingVersion, final Set<String> mappedTopics) {
    this.changes = changes;
    this.mappingVersion = mappingVersion;
    this.mappedTopics = mappedTopics;
  }

  @Override
  public void init(final ProcessorContext<String, Object> context) {
    this.context = context;
  }

  @Override
  public void process(final Record<String, byte[]> record) {
    final RecordMetadata meta = context.recordMetadata().orElse(null);
    final String topic = meta == null ? "?" : meta.topic();
    final ChangeEvent change;
    try {
      change = changes.decode(topic, record.value());
    } catch (SerializationException e) {
      final DeadLetter letter = DeadLetters.of(Stage.READ, topic, meta == null ? -1 : meta.partition(),
          meta == null ? -1 : meta.offset(), record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
          record.value(), null, List.of(DeadLetters.error("read.avro", null, null,
              "the record cannot be read as a Ferry change event: " + e.getMessage(),
              "check what wrote to " + topic + "; only the Ferry connector should")), mappingVersion);
      letter.setAttempt(DeadLetters.attempt(record.headers()));
      LOG.warn("dead letter from {}[{}]@{}: unreadable record", letter.getTopic(), letter.getPartition(),
          letter.getOffset());
      context.forward(record.withValue((Object) letter), ProcessorTopology.DEAD_LETTER_SINK);
      return;
    }
    if (change == null) {
      return;
    }
    final boolean mark = change.getOp() == ChangeOp.COMMIT || change.getOp() == ChangeOp.PROGRESS;
    if (!mark && !mappedTopics.contains(topic)) {
      if (unmappedSeen.add(topic)) {
        LOG.info("{} is captured but not mapped: its rows are dropped, its commit markers complete transactions, "
            + "its progress marks advance input time", topic);
      }
      return;
    }
    context.forward(record.withValue((Object) change), ProcessorTopology.DEDUP);
  }
}
