package dev.ferry.reconcile;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Topic;
import dev.ferry.schemas.TopicToEnd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The dead letters written so far, by the row they are about: what explains a difference between the legacy data
 * and the target. A processor's letter names the legacy table and key; the sink's names the legacy table and the
 * target key (it no longer knows the legacy one), so both are looked up. The newest letter of a row wins.
 *
 * <p>After a cutover the reverse direction's letters explain differences too: a change of the new system that the
 * reverse mapping or the legacy database refused leaves the legacy row behind the new one. Those letters name the
 * new system's table (the forward target) and its key, or (the reverse sink's) the legacy key, and are looked up by
 * the target table's name without its schema or quotes, case aside ({@link #explainReverse}).
 */
public final class DeadLetterIndex {
  /** Why a row is not in the target as the legacy data says: one dead letter's first error. */
  record Explanation(String stage, String rule, String value, String message, String resolution, long tsMs,
      int partition, long offset) {
  }

  private final Map<String, Explanation> byRow = new HashMap<>();
  /**
   * The changes of append-only tables the mapping refused ({@code map.append-only}: their updates and deletes), per
   * legacy table: named by no key the target has, they are matched by their values ({@link TableComparison}).
   */
  private final Map<String, List<Refused>> appendOnly = new HashMap<>();
  /** Reads a refused change's bytes; null where the letters come from no topic. */
  private java.util.function.Function<byte[], ChangeEvent> changes;

  /** A change the mapping refused, with the letter that says so. */
  record Refused(ChangeEvent change, Explanation explanation) {
  }
  private final Map<String, Explanation> byNewSystemRow = new HashMap<>();
  private static final String APPEND_ONLY = "map.append-only";
  private long letters;

  static DeadLetterIndex empty() {
    return new DeadLetterIndex();
  }

  /** Reads every committed letter of {@code topic} from its beginning to its end as of now. */
  static DeadLetterIndex read(final KafkaSettings kafka, final Topic<String, DeadLetter> topic) {
    final DeadLetterIndex index = new DeadLetterIndex();
    final dev.ferry.schemas.AvroSerde<ChangeEvent> serde = kafka.topics(kafka.registry()).changeSerde();
    index.changes = bytes -> serde.decode(topic.name(), bytes);
    TopicToEnd.read(kafka, topic, r -> index.add(r.value(), r.partition(), r.offset()));
    return index;
  }

  /** Reads {@code forward}'s letters and then {@code reverse}'s, the reverse direction's, as {@link #addReverse}. */
  static DeadLetterIndex read(final KafkaSettings kafka, final Topic<String, DeadLetter> forward,
      final KafkaSettings reverseKafka, final Topic<String, DeadLetter> reverse) {
    final DeadLetterIndex index = read(kafka, forward);
    TopicToEnd.read(reverseKafka, reverse, r -> index.addReverse(r.value(), r.partition(), r.offset()));
    return index;
  }

  void add(final DeadLetter letter, final int partition, final long offset) {
    letters++;
    final Explanation e = explanation(letter, "", partition, offset);
    if (e != null) {
      byRow.put(letter.getSourceTable() + "\u0001" + letter.getSourceKey(), e);
      if (APPEND_ONLY.equals(e.rule()) && letter.getOriginalValue() != null && changes != null) {
        final byte[] bytes = new byte[letter.getOriginalValue().remaining()];
        letter.getOriginalValue().duplicate().get(bytes);
        appendOnly.computeIfAbsent(letter.getSourceTable(), t -> new ArrayList<>())
            .add(new Refused(changes.apply(bytes), e));
      }
    }
  }

  /** The updates and deletes of append-only table {@code sourceTable} the mapping refused, oldest first. */
  List<Refused> appendOnlyRefused(final String sourceTable) {
    return appendOnly.getOrDefault(sourceTable, List.of());
  }

  /** A letter of the reverse direction: about a row of the new system (its table is the forward target). */
  void addReverse(final DeadLetter letter, final int partition, final long offset) {
    letters++;
    final Explanation e = explanation(letter, "reverse ", partition, offset);
    if (e != null) {
      byNewSystemRow.put(bare(letter.getSourceTable()) + "\u0001" + letter.getSourceKey(), e);
    }
  }

  private static Explanation explanation(final DeadLetter letter, final String direction, final int partition,
      final long offset) {
    if (letter.getSourceTable() == null || letter.getSourceKey() == null || letter.getErrors().isEmpty()) {
      return null;
    }
    final RecordError e = letter.getErrors().get(0);
    return new Explanation(direction + letter.getStage().name(), e.getRule(), e.getValue(), e.getMessage(),
        e.getResolution(), letter.getTsMs(), partition, offset);
  }

  /**
   * The reverse direction's letter about the new system's row of {@code targetTable} (the forward mapping's target,
   * with or without its schema) with key {@code key}; or null.
   */
  Explanation explainReverse(final String targetTable, final String key) {
    return byNewSystemRow.isEmpty() ? null : byNewSystemRow.get(bare(targetTable) + "\u0001" + key);
  }

  /** {@code schema.table} or {@code "Table"} as {@code table}: no schema, no quotes, lower case. */
  static String bare(final String table) {
    final String unquoted = table.replace("\"", "");
    return unquoted.substring(unquoted.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
  }

  /** The letter about the row of {@code sourceTable} with key {@code key} (legacy or target key text); or null. */
  Explanation explain(final String sourceTable, final String key) {
    return byRow.get(sourceTable + "\u0001" + key);
  }

  long letters() {
    return letters;
  }
}
