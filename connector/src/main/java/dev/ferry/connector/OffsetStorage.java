package dev.ferry.connector;

/** Where the connector keeps its source position (Debezium's offsets) across restarts. */
public enum OffsetStorage {
  /**
   * A file on the connector's disk ({@code connector.offset-file}), written whole or not at all
   * ({@link SourcePositionFile}): simplest, but lost with the disk (a container without a volume), and then the
   * capture starts over with a new snapshot.
   */
  FILE("dev.ferry.connector.SourcePositionFile"),
  /**
   * A compacted Kafka topic ({@code connector.offset-topic}), as Kafka Connect keeps its offsets: survives
   * the connector's machine, so the service can move.
   */
  KAFKA("org.apache.kafka.connect.storage.KafkaOffsetBackingStore");

  private final String backingStore;

  OffsetStorage(final String backingStore) {
    this.backingStore = backingStore;
  }

  /** Debezium's {@code offset.storage} class for this choice. */
  String backingStore() {
    return backingStore;
  }
}
