package dev.ferry.processor;

import dev.ferry.processor.mapping.ConversionException;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.ordering.HeaderDetailBuffer;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps each change of a group to its target row and forwards the rows consecutively, keyed by the
 * group's header key and numbered within the group, so the sink can apply the group in one target
 * transaction. A change that cannot be mapped, and every change of an {@link HeaderDetailBuffer.Orphan},
 * goes to the dead-letter sink with its reason; the rest of its group still applies. A row that breaks
 * only warning rules is applied, and also recorded on the dead-letter topic with severity WARNING and
 * the assumption made.
 */
final class GroupMapper implements Processor<String, Object, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(GroupMapper.class);

  private final RowMapper mapper;
  private final FerryTopics topics;
  private final String mappingVersion;
  private ProcessorContext<String, Object> context;
  private dev.ferry.processor.mapping.NaturalKeys naturalKeys;

  GroupMapper(final RowMapper mapper, final FerryTopics topics, final String mappingVersion) {
    this.mapper = mapper;
    this.topics = topics;
    this.mappingVersion = mappingVersion;
  }

  @Override
  public void init(final ProcessorContext<String, Object> context) {
    this.context = context;
    this.naturalKeys = new dev.ferry.processor.mapping.StoredNaturalKeys(
        context.getStateStore(dev.ferry.processor.ordering.ProcessorStores.NATURAL_KEYS));
  }

  @Override
  public void process(final Record<String, Object> record) {
    if (record.value() instanceof HeaderDetailBuffer.Orphan orphan) {
      for (final ChangeEvent e : orphan.group().getChanges()) {
        deadLetter(record, e, Stage.ORDER, List.of(DeadLetters.error("order.orphan", null,
            orphan.group().getHeaderKey(), orphan.reason(), "load the missing " + orphan.group().getHeaderTable()
                + " row into the legacy database, or replay this dead letter once it exists")));
      }
      return;
    }
    final ChangeGroup group = (ChangeGroup) record.value();
    final List<ApplyRecord> rows = new ArrayList<>(group.getChanges().size());
    for (final ChangeEvent e : group.getChanges()) {
      final RowMapper.Mapped mapped;
      try {
        mapped = mapper.map(e, naturalKeys);
      } catch (ConversionException ex) {
        deadLetter(record, e, Stage.MAP, List.of(DeadLetters.error(ex.rule(), null, null, ex.getMessage(),
            ex.resolution())));
        continue;
      } catch (StreamsException ex) {
        throw ex; // a state store's failure is not the row's: the task restarts and reads the row again
      } catch (RuntimeException ex) {
        // a value nobody foresaw must cost one dead letter, never the stream thread (which would fail on it forever)
        LOG.error("mapping {} key {} failed unexpectedly", e.getSource().getTable(), e.getKey(), ex);
        deadLetter(record, e, Stage.MAP, List.of(DeadLetters.error("map.failed", null, null,
            "mapping failed: " + ex, "report this with the dead letter; replay it once Ferry is fixed")));
        continue;
      }
      if (mapped == null) {
        continue;
      }
      if (!mapped.errors().isEmpty()) {
        // a value that could not be converted or looked up is the mapping's (MAP); a rule that failed is VALIDATE
        final boolean conversion = mapped.errors().stream()
            .anyMatch(x -> x.getRule().startsWith("map.") || x.getRule().startsWith("lookup."));
        final List<RecordError> all = new ArrayList<>(mapped.errors());
        all.addAll(mapped.warnings());
        deadLetter(record, e, conversion ? Stage.MAP : Stage.VALIDATE, all);
      } else {
        if (!mapped.warnings().isEmpty()) {
          deadLetter(record, e, Stage.VALIDATE, mapped.warnings());
        }
        rows.add(mapped.record());
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      final ApplyRecord row = rows.get(i);
      row.setGroup(group.getId());
      row.setGroupSize(rows.size());
      row.setGroupIndex(i);
      context.forward(new Record<>(group.getHeaderKey(), (Object) row, record.timestamp()),
          ProcessorTopology.APPLY_SINK);
    }
  }

  /**
   * Sends a dead letter for {@code e}. Warnings-only letters record a row that was applied; any ERROR
   * means it was not.
   */
  private void deadLetter(final Record<String, Object> record, final ChangeEvent e, final Stage stage,
      final List<RecordError> errors) {
    final String topic = topics.cdc(e.getSource().getSchema$() + "." + e.getSource().getTable()).name();
    final DeadLetter letter = DeadLetters.of(stage, topic, -1, -1L,
        record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
        topics.changeSerde().encode(topic, e), e, errors, mappingVersion);
    letter.setAttempt(DeadLetters.attempt(record.headers()));
    LOG.warn("{} ({}) {} key {}: {}", errors.stream().allMatch(x -> x.getSeverity() == Severity.WARNING)
        ? "warning" : "dead letter", errors.get(0).getRule(), letter.getSourceTable(), letter.getSourceKey(),
        errors.get(0).getMessage());
    context.forward(new Record<>(record.key(), (Object) letter, record.timestamp()),
        ProcessorTopology.DEAD_LETTER_SINK);
  }
}
