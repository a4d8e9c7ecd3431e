package dev.ferry.connector;

/** When the connector reads the existing rows of the captured tables before streaming changes. */
public enum SnapshotMode {
  /** Snapshot once, when no offsets exist yet; then stream. The usual choice. */
  INITIAL("initial"),
  /** Never snapshot; stream changes from now on (target already loaded by other means). */
  NO_DATA("no_data"),
  /** Snapshot when no offsets exist or the stored position is no longer available in the source log. */
  WHEN_NEEDED("when_needed");

  private final String debeziumValue;

  SnapshotMode(final String debeziumValue) {
    this.debeziumValue = debeziumValue;
  }

  String debeziumValue() {
    return debeziumValue;
  }
}
