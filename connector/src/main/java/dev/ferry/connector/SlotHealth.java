package dev.ferry.connector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The health of the capture's replication slot on the legacy server: above all, whether the server invalidated it
 * (a lost slot), and what the capture does about that.
 *
 * <p>Why: a server with {@code max_slot_wal_keep_size} set (a common guard for the legacy disk, the default on some
 * managed services) invalidates a slot that keeps more WAL than that, at a checkpoint: the capture was stopped or
 * fell behind. Such a slot can never stream again, and the changes it kept are gone from the server. Debezium does
 * not recognise it: it takes it for a slot being created and looks for a usable one every two seconds, warning of
 * "concurrent transactions", until its engine's 40 s for a task's start run out. Ferry looks first, at start and
 * while it runs ({@link SlotWatch}), and says what happened and what to do: under {@code connector.snapshot-mode: when-needed} it
 * drops the lost slot, so that Debezium finds no slot for its stored position and reads the tables again (a
 * snapshot that also deletes what the legacy tables no longer hold); in the other modes it refuses to start, since
 * going on would skip the changes the slot lost.
 *
 * @param walStatus the server's {@code wal_status} of the slot (PostgreSQL 13 on), or null
 * @param safeWalBytes WAL the slot may still keep before the server invalidates it ({@code safe_wal_size}); -1
 *     without a limit or before PostgreSQL 13
 * @param reason why the server invalidated it ({@code invalidation_reason} on PostgreSQL 17, {@code conflicting}
 *     on 16, {@code wal_status} lost before), or null while it is usable
 */
record SlotHealth(String walStatus, long safeWalBytes, String reason) {
  /** The state of a slot that does not exist. */
  static final SlotHealth ABSENT = new SlotHealth(null, -1, null);

  /** Reads the state of {@code slot}; {@link #ABSENT} without such a slot. */
  static SlotHealth read(final Connection c, final String slot) throws SQLException {
    // to_jsonb: the columns differ between versions (wal_status and safe_wal_size 13, conflicting 16,
    // invalidation_reason 17), and naming one a server lacks fails the query
    try (PreparedStatement ps = c.prepareStatement("SELECT j ->> 'wal_status', (j ->> 'safe_wal_size')::bigint, "
        + "j ->> 'invalidation_reason', (j ->> 'conflicting')::boolean "
        + "FROM (SELECT to_jsonb(s) AS j FROM pg_replication_slots s WHERE slot_name = ?) x")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return ABSENT;
        }
        final String walStatus = rs.getString(1);
        final long safe = rs.getLong(2);
        final long safeWalBytes = rs.wasNull() ? -1 : safe;
        String reason = rs.getString(3);
        if (reason == null && rs.getBoolean(4)) {
          reason = "rows_removed";
        }
        if (reason == null && "lost".equals(walStatus)) {
          reason = "wal_removed";
        }
        return new SlotHealth(walStatus, safeWalBytes, reason);
      }
    }
  }

  /** True when {@link #read} found no such slot (the constant it returns then, not a slot that looks alike). */
  boolean absent() {
    return this == ABSENT;
  }

  /** True when the server invalidated the slot: it can never stream again. */
  boolean lost() {
    return reason != null;
  }

  /** The server's reason in words. */
  String reasonInWords() {
    return switch (String.valueOf(reason).toLowerCase(Locale.ROOT)) {
      case "wal_removed" -> "it kept more WAL than the server's max_slot_wal_keep_size allows, and the server removed "
          + "that WAL";
      case "rows_removed" -> "it conflicted with recovery: the rows it still needed were removed";
      case "wal_level_insufficient" -> "wal_level was lowered below logical";
      case "idle_timeout" -> "it stayed inactive longer than the server's idle_replication_slot_timeout";
      default -> "invalidated: " + reason;
    };
  }

  /** Why the capture cannot start on this slot, and the two ways on. */
  String refusal(final String slot, final String server) {
    return "replication slot " + slot + " on " + server + " is lost: the server invalidated it (" + reasonInWords()
        + ") while the capture was stopped or behind, so the legacy changes it kept are gone, and the target misses "
        + "them. To read the captured tables again into the target (it ends equal to them, rows deleted meanwhile "
        + "removed too), set connector.snapshot-mode: when-needed (FERRY_CONNECTOR_SNAPSHOT_MODE=when-needed) and "
        + "start the connector again: it drops the lost slot and takes a new snapshot. To keep it from happening "
        + "again, raise max_slot_wal_keep_size or restart a stopped capture sooner "
        + "(ferry_connector_slot_safe_wal_bytes says how much WAL is left)";
  }

  /** Drops the lost {@code slot}, so that Debezium takes a new snapshot under {@code when_needed}. */
  static void drop(final Connection c, final String slot) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, slot);
      ps.execute();
    }
  }
}
