package dev.ferry.connector;

/**
 * How the capture's first start gets the legacy tables' existing rows to the target ({@code connector.initial-load}).
 */
public enum InitialLoad {
  /**
   * Debezium's snapshot: every row travels as a change event through the CDC topics and the processor, as streamed
   * changes do.
   */
  KAFKA,
  /**
   * Ferry reads the tables in the replication slot's exported snapshot, maps each row and writes it to the apply topic
   * itself ({@link DirectLoad}); Debezium then streams from the slot without a snapshot of its own.
   */
  DIRECT
}
