package dev.ferry.processor;

import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.ordering.ApplyOrder;
import dev.ferry.processor.ordering.Ordered;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.SnapshotSweep;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The processor's mapping stage: maps each group through {@link GroupMapping} (rows to the apply topic, refusals to
 * the dead-letter topic), sends {@link Ordered.Orphan}s to the dead-letter topic, and turns the end of a snapshot into
 * sweep markers for every apply partition.
 */
final class GroupMapper implements Processor<String, Ordered, String, Object> {

  private final GroupMapping mapping;
  /** The target table of each legacy table, where no other legacy table writes it too (see {@link #sweep}). */
  private final Map<String, String> sweepable;
  private ProcessorContext<String, Object> context;
  private dev.ferry.processor.mapping.NaturalKeys naturalKeys;
  /** The record being mapped: its time goes with what {@link #out} forwards. */
  private Record<String, Ordered> current;
  private final GroupMapping.Out out = new GroupMapping.Out() {
    @Override
    public void row(final String key, final ApplyRecord row) {
      context.forward(new Record<>(key, (Object) row, current.timestamp()), ProcessorTopology.APPLY_SINK);
    }

    @Override
    public void letter(final String key, final DeadLetter letter) {
      context.forward(new Record<>(key, (Object) letter, current.timestamp()), ProcessorTopology.DEAD_LETTER_SINK);
    }
  };

  /**
   * @param sweepable the target table of each legacy table where no other legacy table writes it too ({@link
   *     GroupMapping#sweepable(Mapping)}, computed once for all tasks)
   */
  GroupMapper(final RowMapper mapper, final FerryTopics topics, final Mapping mapping,
      final Map<String, String> sweepable, final MappingCounts counts) {
    this.mapping = new GroupMapping(mapper, topics, mapping, counts);
    this.sweepable = sweepable;
  }

  @Override
  public void init(final ProcessorContext<String, Object> context) {
    this.context = context;
    this.naturalKeys = new dev.ferry.processor.mapping.StoredNaturalKeys(
        context.getStateStore(dev.ferry.processor.ordering.ProcessorStores.NATURAL_KEYS));
  }

  @Override
  public void process(final Record<String, Ordered> record) {
    final int attempt = DeadLetters.attempt(record.headers());
    current = record;
    if (record.value() instanceof Ordered.Orphan orphan) {
      mapping.orphan(orphan.group(), orphan.reason(), record.key(), attempt, out);
      return;
    }
    final ChangeGroup group = record.value().group();
    if (ApplyOrder.isSnapshotEnd(group)) {
      sweep(record, group.getChanges().get(0));
      return;
    }
    mapping.map(group, naturalKeys, record.key(), attempt, out);
  }

  /**
   * The end of a snapshot, as it passed this partition: one apply record per target table of the legacy table it
   * came through, sent to every apply partition (through a sink node of its own, {@link SweepToEveryPartition}),
   * so that each partition of the sink knows that everything this task sent it before is there. Each carries every target table the snapshot covered,
   * so the sink knows how many markers make it whole. A target table that several legacy tables write is left
   * out: rows the snapshot did not write there may be another legacy table's.
   */
  private void sweep(final Record<String, Ordered> record, final ChangeEvent e) {
    final SnapshotSweep marker = e.getSweep();
    final String target = sweepable.get(e.getSource().getSchema$() + "." + e.getSource().getTable());
    final List<String> targets = marker.getTables().stream().map(sweepable::get).filter(java.util.Objects::nonNull)
        .distinct().sorted().toList();
    if (target == null) {
      return;
    }
    final ApplyRecord r = GroupMapping.sweepRecord(target, e.getSource().getSchema$() + "." + e.getSource().getTable(),
        e.getSource().getTsMs(), new SnapshotSweep(marker.getId(), targets, marker.getVersion(), marker.getPartition(),
            marker.getPartitions()));
    context.forward(new Record<>("sweep:" + marker.getId(), (Object) r, record.timestamp()),
        ProcessorTopology.SWEEP_SINK);
  }

}
