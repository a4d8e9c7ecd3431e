package dev.ferry.schemas;

import java.nio.ByteBuffer;
import java.util.List;

/** Builds {@link DeadLetter}s; every stage that rejects a record uses this, so all dead letters look alike. */
public final class DeadLetters {
  private DeadLetters() {
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
