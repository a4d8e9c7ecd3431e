package dev.ferry.connector;

import java.sql.SQLException;

/**
 * Debezium's reason for stopping a capture, said in Ferry's terms with the way on, for the cases where Debezium's own
 * words point elsewhere.
 *
 * <ul>
 *   <li>The stored position is older than the slot has (the slot dropped, or a failover to a server without it):
 *       Debezium says to reconfigure its snapshot mode, which Ferry calls {@code connector.snapshot-mode}.</li>
 *   <li>The task did not start within the engine's 40 s: most often the creation of the slot waiting for open
 *       legacy transactions ({@link SlotCreation}), or a slot the server invalidated, which Debezium looks for as
 *       if it were being created ({@link SlotHealth}); the slot's health tells the two apart.</li>
 * </ul>
 */
final class CaptureFailure {
  private static final String WHEN_NEEDED = "set connector.snapshot-mode: when-needed "
      + "(FERRY_CONNECTOR_SNAPSHOT_MODE=when-needed) and start again";

  private final ConnectorConfig config;
  private final SlotWatch slot;

  CaptureFailure(final ConnectorConfig config, final SlotWatch slot) {
    this.config = config;
    this.slot = slot;
  }

  /** What to log for Debezium's stop with {@code message} and {@code error}. */
  String explain(final String message, final Throwable error) {
    if (anyMessageHas(message, error, "no longer available on the server")) {
      return "capture " + config.name() + " stopped: its stored source position is older than what replication slot "
          + config.slotName() + " on " + config.server() + " still has (the slot was dropped, or the legacy server "
          + "failed over to one without it), so the changes in between are gone and the target misses them. To read the "
          + "captured tables again into the target (rows deleted meanwhile removed too), " + WHEN_NEEDED;
    }
    if (String.valueOf(message).contains("waiting for source task to start")) {
      final SlotHealth health = health();
      if (health.lost()) {
        return "capture " + config.name() + " stopped: " + health.refusal(config.slotName(), config.server());
      }
      return "capture " + config.name() + " stopped: Debezium did not start within its 40 s. On a first start that is "
          + "most often the creation of replication slot " + config.slotName() + ", which waits for every legacy "
          + "transaction open when it began (a session idle in a transaction, a prepared transaction); look for them "
          + "with SELECT pid, usename, state, xact_start FROM pg_stat_activity WHERE backend_xid IS NOT NULL";
    }
    return "capture " + config.name() + " stopped: " + message;
  }

  private SlotHealth health() {
    try {
      return slot.health();
    } catch (SQLException | RuntimeException e) {
      return SlotHealth.ABSENT;
    }
  }

  /** Whether {@code message} or a message in {@code error}'s chain of causes has {@code words}. */
  static boolean anyMessageHas(final String message, final Throwable error, final String words) {
    if (String.valueOf(message).contains(words)) {
      return true;
    }
    Throwable t = error;
    for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains(words)) {
        return true;
      }
    }
    return false;
  }
}
