package dev.ferry.reconcile;

import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Topic;
import dev.ferry.schemas.TopicToEnd;
import java.util.HashMap;
import java.util.Map;

/**
 * The dead letters written so far, by the row they are about: what explains a difference between the legacy data
 * and the target. A processor's letter names the legacy table and key; the sink's names the legacy table and the
 * target key (it no longer knows the legacy one), so both are looked up. The newest letter of a row wins.
 */
public final class DeadLetterIndex {
  /** Why a row is not in the target as the legacy data says: one dead letter's first error. */
  record Explanation(String stage, String rule, String value, String message, String resolution, long tsMs,
      int partition, long offset) {
  }

  private final Map<String, Explanation> byRow = new HashMap<>();
  private long letters;

  static DeadLetterIndex empty() {
    return new DeadLetterIndex();
  }

  /** Reads every committed letter of {@code topic} from its beginning to its end as of now. */
  static DeadLetterIndex read(final KafkaSettings kafka, final Topic<String, DeadLetter> topic) {
    final DeadLetterIndex index = new DeadLetterIndex();
    TopicToEnd.read(kafka, topic, r -> index.add(r.value(), r.partition(), r.offset()));
    return index;
  }

  void add(final DeadLetter letter, final int partition, final long offset) {
    letters++;
    if (letter.getSourceTable() == null || letter.getSourceKey() == null || letter.getErrors().isEmpty()) {
      return;
    }
    final RecordError e = letter.getErrors().get(0);
    byRow.put(letter.getSourceTable() + "\u0001" + letter.getSourceKey(), new Explanation(letter.getStage().name(),
        e.getRule(), e.getValue(), e.getMessage(), e.getResolution(), letter.getTsMs(), partition, offset));
  }

  /** The letter about the row of {@code sourceTable} with key {@code key} (legacy or target key text); or null. */
  Explanation explain(final String sourceTable, final String key) {
    return byRow.get(sourceTable + "\u0001" + key);
  }

  long letters() {
    return letters;
  }
}
