package dev.ferry.connector;

/**
 * The work of an initial load that bypasses the CDC topics ({@link InitialLoad#DIRECT}): given a snapshot of the
 * legacy database, writes the rows it holds, mapped, where the sink applies them. The capture runs it on its first
 * start, before Debezium streams; an implementation lives with the mapping (the connector knows none).
 */
public interface DirectLoad {
  /**
   * Loads {@code tables} (every captured table, referenced ones first: {@link SnapshotOrder}) as {@code snapshot}
   * sees it, and returns once everything it wrote is acknowledged by
   * Kafka. Runs again from the start after a crash (a new snapshot): what it writes must be safe to write twice.
   *
   * @throws Exception to stop the capture; nothing is streamed then
   */
  void load(ExportedSnapshot snapshot, java.util.List<String> tables) throws Exception;

  /** Rows read so far by the load running or last run, per legacy table. */
  default java.util.Map<String, Long> loadedPerTable() {
    return java.util.Map.of();
  }

  /** Registers the load's own meters (its mapping's outcomes) in {@code registry}. */
  default void bindTo(final io.micrometer.core.instrument.MeterRegistry registry) {
    // none
  }
}
