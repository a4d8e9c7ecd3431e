package dev.ferry.sink;

/**
 * What a running sink reports over JMX, as {@code dev.ferry:type=sink,group=<sink.group-id>} (see
 * {@link SinkMetrics}). The same figures as the progress line the sink logs every 30 seconds, for
 * monitoring systems: JConsole or any JMX client, or Prometheus through its JMX exporter agent.
 */
public interface SinkMetricsMBean {
  /** Rows applied to the target since the sink started. */
  long getRowsApplied();

  /** Records sent to the dead-letter topic since the sink started (refused by the target, or unreadable). */
  long getDeadLetters();

  /** Rows waiting in the parking table for a row they reference. */
  long getParkedRows();

  /** Records of the apply topic not yet applied; -1 before the sink has its partitions. */
  long getLag();

  /** Batches the target refused as a whole, each then applied in halves to isolate the refused rows; growing without dead letters is a fault. */
  long getBatchesSplit();

  /** Retries because the target does not fit what the sink writes (a table or column missing, no privilege); alert on any. */
  long getBrokenTargetRetries();

  /** Source time of the last applied change, epoch milliseconds; 0 before the first. */
  long getLastSourceTimestampMs();

  /**
   * Milliseconds between the source making the last applied change and now while records wait (lag above
   * 0); 0 when the sink has caught up, however long the source has been quiet; -1 before the first change.
   */
  long getReplicationDelayMs();

  /** False once the sink stopped, after an error or a clean stop. */
  boolean isRunning();
}
