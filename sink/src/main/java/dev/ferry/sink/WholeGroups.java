package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Relation;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A group under a relation (an order with its lines, from one source transaction) reaches the target whole or
 * not at all, in the sink as in the processor: when the target refuses one of its rows for good (a constraint),
 * none of its rows is applied, and all of them go to the dead-letter topic together, naming the group
 * ({@link SinkDeadLetters#refusedWhole}); replayed, they come back as a group and apply together.
 *
 * <p>A group is held to this when its records are all in the batch (a group larger than {@code
 * sink.max-group-rows} is applied in parts anyway) and one of them comes from the child table of a {@code
 * topics.relations} entry: the rows of one transaction under a header. Other groups apply what the target takes,
 * as before. A row refused only because a row it references has not arrived (a foreign key) parks its whole group
 * ({@link Torn#waitsOnly}): the group is retried together, applies together once that row is there, and after
 * {@code sink.parked-timeout} is dead-lettered together.
 *
 * <p>Only the refusal path unpacks records, and only those that share the refused record's partition and key (a
 * group's records share both and are consecutive).
 */
final class WholeGroups {
  private final Set<String> childTables;

  WholeGroups(final List<Relation> relations) {
    this.childTables = relations.stream().map(Relation::child).collect(Collectors.toSet());
  }

  /** The records of one group, in batch order, and those of them the target refused. */
  record Torn(String group, List<ApplyTopicRecord> members, List<BatchWriter.Failure> refused) {
    /** True when every refusal is a row waiting for the row it references: the group waits, parked. */
    boolean waitsOnly() {
      return refused.stream().allMatch(BatchWriter.Failure::waits);
    }

    /**
     * Why the group is not applied: its refusals for good; only when there are none (the group waited past {@code
     * sink.parked-timeout}), the rows that wait. A row refused because its group's parent row was refused is not a
     * cause.
     */
    List<BatchWriter.Failure> causes() {
      final List<BatchWriter.Failure> permanent = refused.stream().filter(f -> !f.waits()).toList();
      return permanent.isEmpty() ? refused : permanent;
    }
  }

  /** Writes records and gives what the target refused; the transaction stays open. */
  @FunctionalInterface
  interface Write {
    List<BatchWriter.Failure> write(List<ApplyTopicRecord> records) throws SQLException;
  }

  /** What {@link #writeWhole} wrote: the refusals of the records written, and the groups left out. */
  record Written(List<BatchWriter.Failure> failures, List<Torn> torn) {
  }

  /**
   * Writes {@code records} with {@code write} on {@code c}; while that tears a group held whole, rolls the
   * transaction back and writes again without the groups torn so far (each round leaves out at least one more
   * group, so this ends).
   */
  Written writeWhole(final Connection c, final List<ApplyTopicRecord> records, final Write write)
      throws SQLException {
    List<BatchWriter.Failure> failures = write.write(records);
    final List<Torn> torn = new ArrayList<>();
    for (List<Torn> more = torn(records, failures); !more.isEmpty(); more = torn(records, failures)) {
      torn.addAll(more);
      c.rollback();
      failures = write.write(without(records, torn));
    }
    return new Written(failures, torn);
  }

  /** The groups held whole that {@code refused} tore (a refusal for good, or a row waiting for its reference). */
  List<Torn> torn(final List<ApplyTopicRecord> batch, final List<BatchWriter.Failure> refused) {
    if (childTables.isEmpty() || refused.isEmpty()) {
      return List.of();
    }
    final Map<String, Torn> torn = new LinkedHashMap<>();
    for (final BatchWriter.Failure f : refused) {
      final ApplyRecord value = f.record().value();
      final String group = value.getGroup();
      if (group == null || value.getGroupSize() < 2) {
        continue;
      }
      final Torn known = torn.get(group);
      if (known != null) {
        known.refused().add(f);
        continue;
      }
      final List<ApplyTopicRecord> members = new ArrayList<>(value.getGroupSize());
      boolean underRelation = false;
      for (final ApplyTopicRecord r : batch) {
        if (r.partition() == f.record().partition() && Objects.equals(r.key(), f.record().key())
            && r.topic().equals(f.record().topic())) {
          final ApplyRecord v = r.value();
          if (group.equals(v.getGroup())) {
            members.add(r);
            underRelation |= childTables.contains(v.getSourceTable());
          }
        }
      }
      if (underRelation && members.size() == value.getGroupSize()) {
        torn.put(group, new Torn(group, members, new ArrayList<>(List.of(f))));
      }
    }
    return List.copyOf(torn.values());
  }

  /**
   * Of {@code records} (parked rows retried), those of groups held whole that are not all among them: they wait for a
   * later retry that has the whole group. A retry reads the rest of a group larger than its window by the group's
   * key ({@link #largerThan}), so only a group whose rows are not all parked comes out here (part of it applied
   * before: a group larger than {@code sink.max-group-rows}); its rows are retried as they come, since no retry
   * could ever have all of it.
   */
  List<ApplyTopicRecord> incomplete(final List<ApplyTopicRecord> records, final int window) {
    final List<ApplyTopicRecord> out = new ArrayList<>();
    for (final Incomplete g : incompleteGroups(records)) {
      if (g.size() <= window) {
        out.addAll(g.members());
      }
    }
    return out;
  }

  /**
   * One record of each group held whole that is larger than {@code window} and not all among {@code records}: a
   * retry of parked rows reads the rest of such a group by its key, since the parked rows read least often first
   * would otherwise give it to the target in parts (torn), a window at a time.
   */
  List<ApplyTopicRecord> largerThan(final List<ApplyTopicRecord> records, final int window) {
    final List<ApplyTopicRecord> out = new ArrayList<>();
    for (final Incomplete g : incompleteGroups(records)) {
      if (g.size() > window) {
        out.add(g.members().get(0));
      }
    }
    return out;
  }

  /** A group held whole that is not all among some records: its size, and its members there. */
  private record Incomplete(int size, List<ApplyTopicRecord> members) {
  }

  /** The groups held whole that are not all among {@code records}. */
  private List<Incomplete> incompleteGroups(final List<ApplyTopicRecord> records) {
    final List<Incomplete> out = new ArrayList<>();
    if (childTables.isEmpty()) {
      return out;
    }
    final Map<String, List<ApplyTopicRecord>> byGroup = new LinkedHashMap<>();
    final Map<String, Integer> sizes = new java.util.HashMap<>();
    final Set<String> underRelation = new java.util.HashSet<>();
    for (final ApplyTopicRecord r : records) {
      final ApplyRecord v = r.value();
      if (v.getGroup() != null && v.getGroupSize() > 1) {
        final String id = r.topic() + "/" + r.partition() + "/" + v.getGroup();
        byGroup.computeIfAbsent(id, g -> new ArrayList<>()).add(r);
        sizes.put(id, v.getGroupSize());
        if (childTables.contains(v.getSourceTable())) {
          underRelation.add(id);
        }
      }
    }
    byGroup.forEach((id, members) -> {
      if (underRelation.contains(id) && members.size() < sizes.get(id)) {
        out.add(new Incomplete(sizes.get(id), members));
      }
    });
    return out;
  }

  /** {@code batch} without the records of {@code torn}. */
  static List<ApplyTopicRecord> without(final List<ApplyTopicRecord> batch, final List<Torn> torn) {
    final List<ApplyTopicRecord> members = new ArrayList<>();
    torn.forEach(t -> members.addAll(t.members()));
    return minus(batch, members);
  }

  /** {@code records} without {@code left} (compared by identity). */
  static List<ApplyTopicRecord> minus(final List<ApplyTopicRecord> records, final List<ApplyTopicRecord> left) {
    final Set<ApplyTopicRecord> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    out.addAll(left);
    return records.stream().filter(r -> !out.contains(r)).toList();
  }
}
