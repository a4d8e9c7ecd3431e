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
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setOriginalKey(originalKey == null ? null : ByteBuffer.wrap(originalKey))
        .setOriginalValue(originalValue == null ? null : ByteBuffer.wrap(originalValue))
        .setSourceTable(src == null ? null : src.getSchema$() + "." + src.getTable())
        .setSourceKey(change == null ? null : Columns.keyText(change.getKey()))
        .setSourceLsn(src == null ? null : src.getLsn())
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
