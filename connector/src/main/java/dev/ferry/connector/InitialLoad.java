package dev.ferry.connector;

/**
 * How the capture's first start gets the legacy tables' existing rows to the target ({@code connector.initial-load}).
 */
public enum InitialLoad {
  /**
   * {@link #DIRECT} where the mapping allows it, {@link #KAFKA} where it has {@code unique} rules (whose owners are the
   * processor's state, which a load outside the processor does not fill). Decided where the mapping is known
   * ({@link #decide}); a configuration nobody decided for loads through Kafka.
   */
  AUTO,
  /**
   * Debezium's snapshot: every row travels as a change event through the CDC topics and the processor, as streamed
   * changes do.
   */
  KAFKA,
  /**
   * Ferry reads the tables in the replication slot's exported snapshot, maps each row and writes it to the apply topic
   * itself ({@link DirectLoad}); Debezium then streams from the slot without a snapshot of its own.
   */
  DIRECT;

  /** This choice made for a mapping that has, or has not, {@code unique} rules: {@link #KAFKA} or {@link #DIRECT}. */
  public InitialLoad decide(final boolean uniqueRules) {
    return this == AUTO ? uniqueRules ? KAFKA : DIRECT : this;
  }
}
