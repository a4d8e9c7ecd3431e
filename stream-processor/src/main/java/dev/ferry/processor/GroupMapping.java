package dev.ferry.processor;

import dev.ferry.processor.mapping.ConversionException;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.NaturalKeys;
import dev.ferry.processor.mapping.PersonalData;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.mapping.StagedNaturalKeys;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.errors.StreamsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a group of changes to the rows the sink applies, or to dead letters with their reasons: the processor's
 * mapping stage ({@link GroupMapper}) and the connector's direct initial load run the same rules through it. A change that
 * cannot be mapped goes to the dead-letter topic with its reason. A group under a relation (an order with its lines)
 * is all or nothing: when one of its changes is refused, every change of it goes to the dead-letter topic, each
 * letter naming the group and the refused row, and none reaches the target; a group of unrelated rows (or of one)
 * applies what it can. A row that breaks only warning rules is applied, and also recorded on the dead-letter topic
 * with severity WARNING and the assumption made. The rows of a group go out consecutively, numbered within the group
 * and keyed by its header key, so the sink can apply the group in one target transaction.
 */
public final class GroupMapping {
  private static final Logger LOG = LoggerFactory.getLogger(GroupMapping.class);

  /** Where mapped rows and dead letters go, each with the record key it is sent under. */
  public interface Out {
    void row(String key, ApplyRecord row);

    void letter(String key, DeadLetter letter);
  }

  private final RowMapper mapper;
  private final FerryTopics topics;
  private final String mappingVersion;
  private final PersonalData personalData;
  private final MappingCounts counts;

  public GroupMapping(final Mapping mapping, final FerryTopics topics, final MappingCounts counts) {
    this(new RowMapper(mapping), topics, mapping, counts);
  }

  GroupMapping(final RowMapper mapper, final FerryTopics topics, final Mapping mapping, final MappingCounts counts) {
    this.mapper = mapper;
    this.topics = topics;
    this.counts = counts;
    this.mappingVersion = mapping.version();
    this.personalData = new PersonalData(mapping);
  }

  /**
   * The target table of each legacy table, where no other legacy table writes it too: the tables the end of a
   * snapshot may remove rows from. Says once which it leaves out.
   */
  public static Map<String, String> sweepable(final Mapping mapping) {
    final Map<String, Long> writers = mapping.tables().stream()
        .collect(Collectors.groupingBy(TableMapping::targetTable, Collectors.counting()));
    final Map<String, String> out = new HashMap<>();
    for (final TableMapping t : mapping.tables()) {
      if (writers.get(t.targetTable()) == 1) {
        out.put(t.sourceTable(), t.targetTable());
      } else {
        LOG.warn("{} is written from {} legacy tables: a snapshot of {} will not remove rows from it (they may be "
            + "another table's)", t.targetTable(), writers.get(t.targetTable()), t.sourceTable());
      }
    }
    return Map.copyOf(out);
  }


  /**
   * The end of a snapshot as the apply record the sink takes: for target table {@code target}, written from legacy
   * table {@code sourceTable}, carrying {@code sweep} (the target tables it covers, its version and partition).
   */
  public static ApplyRecord sweepRecord(final String target, final String sourceTable, final long sourceTsMs,
      final dev.ferry.schemas.SnapshotSweep sweep) {
    return ApplyRecord.newBuilder().setTable(target).setOp(dev.ferry.schemas.ApplyOp.SWEEP).setKey(new ArrayList<>())
        .setVersion(sweep.getVersion()).setSourceTable(sourceTable).setSourceTsMs(sourceTsMs).setSweep(sweep).build();
  }

  /**
   * Maps {@code group} (rows, not the end of a snapshot), checking unique rules against {@code naturalKeys} and
   * updating it for what is applied; {@code key} is the key it came under (its header key), {@code attempt} how
   * often its changes were tried before (a replay's).
   */
  public void map(final ChangeGroup group, final NaturalKeys naturalKeys, final String key, final int attempt,
      final Out out) {
    final StagedNaturalKeys keys = new StagedNaturalKeys(naturalKeys);
    final List<Outcome> outcomes = new ArrayList<>(group.getChanges().size());
    for (final ChangeEvent e : group.getChanges()) {
      final Outcome o = map(e, keys, group.getCommitLsn());
      if (o != null) {
        outcomes.add(o);
      }
    }
    final List<Outcome> refused = outcomes.stream().filter(o -> o.row() == null).toList();
    // under a relation a group is all or nothing: one refused row sends the whole group to the dead-letter topic
    if (!refused.isEmpty() && group.getHeaderTable() != null && outcomes.size() > 1) {
      refuseWhole(key, attempt, group, outcomes, refused, out);
      return;
    }
    keys.commit();
    final List<ApplyRecord> rows = new ArrayList<>(outcomes.size());
    for (final Outcome o : outcomes) {
      if (o.row() == null) {
        deadLetter(key, attempt, o.change(), o.stage(), o.errors(), null, 0, out);
      } else {
        if (!o.errors().isEmpty()) {
          deadLetter(key, attempt, o.change(), Stage.VALIDATE, o.errors(), null, 0, out);
        }
        rows.add(o.row());
        counts.mapped(o.row().getSourceTable());
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      final ApplyRecord row = rows.get(i);
      row.setGroup(group.getId());
      row.setGroupSize(rows.size());
      row.setGroupIndex(i);
      out.row(group.getHeaderKey(), row);
    }
  }

  /** Sends every change of {@code group}, held too long for its header, to the dead-letter topic. */
  public void orphan(final ChangeGroup group, final String reason, final String key, final int attempt,
      final Out out) {
    for (final ChangeEvent e : group.getChanges()) {
      deadLetter(key, attempt, e, Stage.ORDER, List.of(DeadLetters.error("order.orphan", null,
          group.getHeaderKey(), reason, "load the missing " + group.getHeaderTable()
              + " row into the legacy database, or replay this dead letter once it exists")), null, 0, out);
    }
  }

  /**
   * What mapping one change gave: a row to apply (with the warnings it drew, if any), or a refusal (row null) with
   * its stage and errors.
   */
  private record Outcome(ChangeEvent change, ApplyRecord row, Stage stage, List<RecordError> errors) {
  }

  /** Maps {@code e}; null when its table is not mapped. */
  private Outcome map(final ChangeEvent e, final StagedNaturalKeys keys, final long commitPosition) {
    final RowMapper.Mapped mapped;
    try {
      mapped = mapper.map(e, keys, commitPosition);
    } catch (ConversionException ex) {
      return new Outcome(e, null, Stage.MAP, List.of(DeadLetters.error(ex.rule(), null, null, ex.getMessage(),
          ex.resolution())));
    } catch (StreamsException ex) {
      throw ex; // a state store's failure is not the row's: the task restarts and reads the row again
    } catch (RuntimeException ex) {
      // a value nobody foresaw must cost one dead letter, never the stream thread (which would fail on it forever)
      LOG.error("mapping {} key {} failed unexpectedly", e.getSource().getTable(), e.getKey(), ex);
      return new Outcome(e, null, Stage.MAP, List.of(DeadLetters.error("map.failed", null, null,
          "mapping failed: " + ex, "report this with the dead letter; replay it once Ferry is fixed")));
    }
    if (mapped == null) {
      return null;
    }
    if (mapped.errors().isEmpty()) {
      return new Outcome(e, mapped.record(), Stage.VALIDATE, mapped.warnings());
    }
    // a value that could not be converted or looked up is the mapping's (MAP); a rule that failed is VALIDATE
    final boolean conversion = mapped.errors().stream()
        .anyMatch(x -> x.getRule().startsWith("map.") || x.getRule().startsWith("lookup."));
    final List<RecordError> all = new ArrayList<>(mapped.errors());
    all.addAll(mapped.warnings());
    return new Outcome(e, null, conversion ? Stage.MAP : Stage.VALIDATE, all);
  }

  /**
   * Sends every change of {@code group} to the dead-letter topic, none to the target: the refused ones with their
   * errors, the others with a {@code group.refused} error naming the refused rows, followed by those rows' errors
   * (so that a replay selecting them by rule or table sends the whole group back). Each letter names the group
   * and its size; a replay applies the group together once all of it is back.
   */
  private void refuseWhole(final String key, final int attempt, final ChangeGroup group, final List<Outcome> outcomes,
      final List<Outcome> refused, final Out out) {
    final Outcome first = refused.get(0);
    final String failed = refused.stream().map(o -> o.change().getSource().getSchema$() + "."
        + o.change().getSource().getTable() + " " + Columns.keyText(o.change().getKey()) + " ("
        + o.errors().get(0).getRule() + ")").collect(Collectors.joining(", "));
    final List<RecordError> failures = new ArrayList<>();
    refused.forEach(o -> o.errors().stream().filter(x -> x.getSeverity() == Severity.ERROR).forEach(failures::add));
    for (final Outcome o : outcomes) {
      if (o.row() == null) {
        deadLetter(key, attempt, o.change(), o.stage(), o.errors(), group.getId(), outcomes.size(), out);
        continue;
      }
      final List<RecordError> errors = new ArrayList<>();
      errors.add(new RecordError(DeadLetters.GROUP_REFUSED, first.change().getSource().getSchema$() + "."
          + first.change().getSource().getTable(), Columns.keyText(first.change().getKey()),
          "not applied: it belongs to a group (source transaction " + group.getId() + ", " + outcomes.size()
              + " rows) applied whole or not at all, and " + failed + " was refused",
          "fix the refused row, then replay the group's dead letters: they are applied together", Severity.ERROR));
      errors.addAll(failures);
      errors.addAll(o.errors());
      deadLetter(key, attempt, o.change(), first.stage(), errors, group.getId(), outcomes.size(), out);
    }
  }

  /**
   * Sends a dead letter for {@code e}, of group {@code groupId} of {@code groupSize} letters when it was refused with
   * its group. Warnings-only letters record a row that was applied; any ERROR means it was not.
   */
  private void deadLetter(final String key, final int attempt, final ChangeEvent e, final Stage stage,
      final List<RecordError> errors, final String groupId, final int groupSize, final Out out) {
    final String topic = topics.cdc(e.getSource().getSchema$() + "." + e.getSource().getTable()).name();
    final DeadLetter letter = DeadLetters.of(stage, topic, -1, -1L,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        topics.changeSerde().encode(topic, personalData.sealed(e)), e, errors, mappingVersion);
    letter.setAttempt(attempt);
    if (groupId != null) {
      letter.setGroup(groupId);
      letter.setGroupSize(groupSize);
    }
    counts.lettered(letter.getSourceTable(), errors);
    LOG.warn("{} ({}) {} key {}: {}", errors.stream().allMatch(x -> x.getSeverity() == Severity.WARNING)
        ? "warning" : "dead letter", errors.get(0).getRule(), letter.getSourceTable(), letter.getSourceKey(),
        errors.get(0).getMessage());
    out.letter(key, letter);
  }
}
