package dev.ferry.processor;

import dev.ferry.processor.mapping.ConversionException;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.schemas.AvroSerde;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one change (raw bytes, so an unreadable record is kept byte for byte), maps it, and forwards
 * the target row to {@link ProcessorTopology#APPLY_SINK}, re-keyed by its partition key, or a
 * {@link DeadLetter} to {@link ProcessorTopology#DEAD_LETTER_SINK}. Never throws for a bad record.
 */
final class ChangeMappingProcessor implements Processor<String, byte[], String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeMappingProcessor.class);

  private final AvroSerde<ChangeEvent> changes;
  private final RowMapper mapper;
  private final String mappingVersion;
  private ProcessorContext<String, Object> context;

  ChangeMappingProcessor(final AvroSerde<ChangeEvent> changes, final RowMapper mapper, final String mappingVersion) {
    this.changes = changes;
    this.mapper = mapper;
    this.mappingVersion = mappingVersion;
  }

  @Override
  public void init(final ProcessorContext<String, Object> context) {
    this.context = context;
  }

  @Override
  public void process(final Record<String, byte[]> record) {
    final String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
    final ChangeEvent change;
    try {
      change = changes.decode(topic, record.value());
    } catch (SerializationException e) {
      deadLetter(record, null, Stage.READ, DeadLetters.error("read.avro", null, null,
          "the record cannot be read as a Ferry change event: " + e.getMessage(),
          "check what wrote to " + topic + "; only the Ferry connector should"));
      return;
    }
    if (change == null) {
      return;
    }
    try {
      final RowMapper.Mapped mapped = mapper.map(change);
      if (mapped != null) {
        context.forward(record.withKey(mapped.partitionKey()).withValue(mapped.record()), ProcessorTopology.APPLY_SINK);
      }
    } catch (ConversionException e) {
      deadLetter(record, change, Stage.MAP, DeadLetters.error(e.rule(), null, null, e.getMessage(), e.resolution()));
    }
  }

  private void deadLetter(final Record<String, byte[]> record, final ChangeEvent change, final Stage stage,
      final dev.ferry.schemas.RecordError error) {
    final RecordMetadata meta = context.recordMetadata().orElse(null);
    final DeadLetter letter = DeadLetters.of(stage, meta == null ? "?" : meta.topic(),
        meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset(),
        record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value(), change,
        List.of(error), mappingVersion);
    LOG.warn("dead letter from {}[{}]@{}: {} {}", letter.getTopic(), letter.getPartition(), letter.getOffset(),
        error.getRule(), error.getMessage());
    context.forward(record.withValue((Object) letter), ProcessorTopology.DEAD_LETTER_SINK);
  }
}
