package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Builds {@link DeadLetter}s; every stage that rejects a record uses this, so all dead letters look alike. */
public final class DeadLetters {
  /**
   * Kafka header on a record sent again from a dead letter ({@code ferry replay}), naming the dead letter
   * ({@code topic/partition/offset}). The stages take such a record as new: deduplication does not drop it
   * as a redelivery, and transaction assembly does not wait for its transaction's commit markers, which
   * passed long ago.
   */
  public static final String REPLAYED_FROM = "ferry.replayed-from";

  /**
   * Kafka header on a replayed record: which try of the record this is (decimal text; the dead letter's
   * {@code attempt} plus one). A stage that refuses it again writes that number into the new dead letter.
   */
  public static final String ATTEMPT = "ferry.attempt";

  /**
   * Kafka headers on a replayed record refused with its group ({@link DeadLetter#getGroup()}): the group's id
   * and size, so that the processor holds the replayed changes until the whole group is back and applies it
   * together.
   */
  public static final String REPLAY_GROUP = "ferry.replay-group";
  public static final String REPLAY_GROUP_SIZE = "ferry.replay-group-size";

  /**
   * Rule of the error a letter carries when its row was refused only because another row of its group was (a group
   * under a relation is applied whole or not at all); its field names the refused row's table.
   */
  public static final String GROUP_REFUSED = "group.refused";

  private DeadLetters() {
  }

  /** The group a replayed record belongs to, or null. */
  public static String replayGroup(final Headers headers) {
    return text(headers, REPLAY_GROUP);
  }

  /** The size of the group a replayed record belongs to; 1 when it has none. */
  public static int replayGroupSize(final Headers headers) {
    return positive(text(headers, REPLAY_GROUP_SIZE));
  }

  /** The try a record with these headers is: its {@link #ATTEMPT} header, else 1. */
  public static int attempt(final Headers headers) {
    return positive(text(headers, ATTEMPT));
  }

  /** True when a record with these headers was sent again from a dead letter. */
  public static boolean replayed(final Headers headers) {
    return headers != null && headers.lastHeader(REPLAYED_FROM) != null;
  }

  /** The last {@code name} header's value as text, or null. */
  private static String text(final Headers headers, final String name) {
    final Header h = headers == null ? null : headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** {@code text} as a number of at least 1; 1 when it is missing or not a number. */
  private static int positive(final String text) {
    if (text == null) {
      return 1;
    }
    try {
      return Math.max(1, Integer.parseInt(text.strip()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * A dead letter for a record read from {@code topic}/{@code partition}/{@code offset}.
   *
   * @param originalKey the key bytes exactly as read, may be null
   * @param originalValue the value bytes exactly as read, may be null
   * @param change the decoded change when it could be decoded, else null
   * @param errors why; never empty
   */
  public static DeadLetter of(final Stage stage, final String topic, final int partition, final long offset,
      final byte[] originalKey, final byte[] originalValue, final ChangeEvent change, final List<RecordError> errors,
      final String mappingVersion) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a dead letter needs at least one error");
    }
    final SourcePosition src = change == null ? null : change.getSource();
    return of(stage, topic, partition, offset, originalKey, originalValue,
        src == null ? null : src.getSchema$() + "." + src.getTable(),
        change == null ? null : Columns.keyText(change.getKey()), src == null ? null : src.getLsn(), errors,
        mappingVersion);
  }

  /** As above, with the source table, key and log position given directly (a stage past the change event). */
  public static DeadLetter of(final Stage stage, final String topic, final int partition, final long offset,
      final byte[] originalKey, final byte[] originalValue, final String sourceTable, final String sourceKey,
      final Long sourceLsn, final List<RecordError> errors, final String mappingVersion) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a dead letter needs at least one error");
    }
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey))
        .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue))
        .setSourceTable(sourceTable)
        .setSourceKey(sourceKey)
        .setSourceLsn(sourceLsn)
        .setErrors(errors)
        .setAttempt(1)
        .setMappingVersion(mappingVersion)
        .setTsMs(System.currentTimeMillis())
        .build();
  }

  /** One hard error. */
  public static RecordError error(final String rule, final String field, final String value, final String message,
      final String resolution) {
    return new RecordError(rule, field, value, message, resolution, Severity.ERROR);
  }
}
