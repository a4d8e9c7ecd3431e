package dev.ferry.processor;

import static dev.ferry.processor.TopologyFixture.customer;
import static dev.ferry.processor.TopologyFixture.line;
import static dev.ferry.processor.TopologyFixture.order;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.processor.mapping.NaturalKeys;
import dev.ferry.processor.ordering.ApplyOrder;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.HeaderKeys;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * The direct initial load maps each legacy row outside Kafka Streams, as a group of one under its header key
 * ({@link ApplyOrder#single}, {@link GroupMapping}); what it sends must be what the processor sends for the same row
 * of Debezium's snapshot: the same key, the same apply record (version included), the same dead letters.
 */
class GroupMappingTest {
  private static final long SNAPSHOT_LSN = 5_000;

  @Test
  void aSnapshotRowMappedOutsideTheTopologyGivesWhatTheTopologyGives() {
    final List<ChangeEvent> rows = List.of(
        order(ChangeOp.READ, 10248, SNAPSHOT_LSN, null, null),
        line(ChangeOp.READ, 10248, 11, 12, SNAPSHOT_LSN, null, null),
        line(ChangeOp.READ, 10248, 42, -3, SNAPSHOT_LSN, null, null), // refused: quantity-positive
        order(ChangeOp.READ, 10249, SNAPSHOT_LSN, null, null),
        line(ChangeOp.READ, 10249, 14, 5_000, SNAPSHOT_LSN, null, null), // applied with a warning
        customer(ChangeOp.READ, "ALFKI", SNAPSHOT_LSN, null, null));

    final List<String> viaTopology = new ArrayList<>();
    final List<String> lettersViaTopology = new ArrayList<>();
    try (TopologyFixture f = new TopologyFixture()) {
      rows.forEach(f::send);
      for (final KeyValue<String, ApplyRecord> kv : f.apply.readKeyValuesToList()) {
        viaTopology.add(kv.key + " " + withoutTime(kv.value));
      }
      for (final KeyValue<String, DeadLetter> kv : f.deadLetters.readKeyValuesToList()) {
        lettersViaTopology.add(kv.key + " " + describe(kv.value));
      }
    }

    final List<String> direct = new ArrayList<>();
    final List<String> lettersDirect = new ArrayList<>();
    final TopologyFixture shape = new TopologyFixture();
    final GroupMapping mapping = new GroupMapping(MappingFile.parse(TopologyFixture.MAPPING, "m.yaml"), shape.topics,
        new MappingCounts("load"));
    shape.close();
    final ApplyOrder order = new ApplyOrder(new HeaderKeys(List.of(TopologyFixture.LINES)));
    final GroupMapping.Out out = new GroupMapping.Out() {
      @Override
      public void row(final String key, final ApplyRecord row) {
        direct.add(key + " " + withoutTime(row));
      }

      @Override
      public void letter(final String key, final DeadLetter letter) {
        lettersDirect.add(key + " " + describe(letter));
      }
    };
    for (final ChangeEvent e : rows) {
      final ChangeGroup group = order.single(e);
      mapping.map(group, NaturalKeys.NONE, group.getHeaderKey(), 0, out);
    }

    assertThat(viaTopology).hasSize(5).anySatisfy(r -> assertThat(r).startsWith("10248 ").contains("version\": 9999"));
    assertThat(direct).isEqualTo(viaTopology);
    assertThat(lettersViaTopology).hasSize(2);
    assertThat(lettersDirect).isEqualTo(lettersViaTopology);
  }

  /** The record as text, without the source time the fixture stamps on what it sends. */
  private static String withoutTime(final ApplyRecord r) {
    final ApplyRecord copy = ApplyRecord.newBuilder(r).setSourceTsMs(0L).build();
    return copy.toString();
  }

  private static String describe(final DeadLetter d) {
    return d.getStage() + " " + d.getSourceTable() + " " + d.getSourceKey() + " " + d.getErrors() + " "
        + d.getGroup() + "/" + d.getGroupSize();
  }
}
