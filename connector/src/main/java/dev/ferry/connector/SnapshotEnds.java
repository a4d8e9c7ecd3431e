package dev.ferry.connector;

import dev.ferry.schemas.RowVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows Debezium's snapshot notifications (its {@code sink} notification channel, which hands them to the
 * capture in the same queue as the changes, so in stream order) and says when a snapshot has ended and what
 * it covered: the tables it read in full, and the version at or above which it wrote every row.
 *
 * <p>Why: a snapshot writes every row the legacy table holds, but says nothing of rows it no longer holds.
 * Rows deleted while nothing captured them (a lost slot) or rows the target holds that the legacy database
 * never had stay in the target. Behind the snapshot's rows the capture writes a sweep marker; once the sink
 * has applied everything before it, in every partition, it deletes the rows of those tables that Ferry wrote
 * below the marker's version ({@link RowVersion}).
 *
 * <p>The version:
 * <ul>
 *   <li>initial snapshot (also the re-snapshot after a lost slot), consistent at {@code s}: {@link
 *       RowVersion#snapshot}{@code (s)}, the version of its own rows; every change streamed after is above;</li>
 *   <li>incremental snapshot ({@code ferry resnapshot}): {@link RowVersion#incremental}{@code (p)}, where {@code
 *       p} is the position the capture had come to when the snapshot started. Its chunk rows are stamped at or
 *       above {@code p}, and every change in a chunk's window comes later in the stream than the start, so its
 *       commit is above {@code p}. A table added to a snapshot already running shares that snapshot's start,
 *       which only makes the sweep keep more.</li>
 * </ul>
 * A table whose scan failed (or was skipped) is not swept; an aborted snapshot sweeps nothing.
 *
 * <p>Not thread-safe; a copy is taken before each batch so that a batch Kafka refused is followed again.
 */
final class SnapshotEnds {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotEnds.class);
  static final String INITIAL = "Initial Snapshot";
  static final String INCREMENTAL = "Incremental Snapshot";

  /** The end of a snapshot: its legacy tables ({@code schema.table}) and the version it wrote at or above. */
  record Ended(String kind, List<String> tables, long version) {
    /** Names the sweep; the same when a retried batch reports the same end again. */
    String id() {
      return (kind.equals(INITIAL) ? "snapshot-" : kind.equals(AppendOnlyTables.TRUNCATE) ? "truncate-" : "resnapshot-")
          + version + "-"
          + Integer.toHexString(String.join(",", tables).hashCode());
    }
  }

  private final Set<String> initialScanned = new LinkedHashSet<>();
  private final Set<String> incrementalScanned = new LinkedHashSet<>();
  private long incrementalStart = -1;
  private boolean initialSettled;

  SnapshotEnds copy() {
    final SnapshotEnds c = new SnapshotEnds();
    c.initialSettled = initialSettled;
    c.initialScanned.addAll(initialScanned);
    c.incrementalScanned.addAll(incrementalScanned);
    c.incrementalStart = incrementalStart;
    return c;
  }

  /**
   * Takes one notification.
   *
   * @param position how far the stream had come, as far as the capture has seen ({@link ChangePublisher})
   * @param snapshotPosition the consistent position of the initial snapshot's rows, or -1 when it sent none
   * @return the snapshot that ended with it, or null
   */
  Ended onNotification(final Struct notification, final long position, final long snapshotPosition) {
    final String aggregate = text(notification, "aggregate_type");
    final String type = text(notification, "type");
    final Map<String, String> data = additional(notification);
    if (INCREMENTAL.equals(aggregate)) {
      switch (type) {
        case "STARTED" -> {
          if (incrementalStart < 0) {
            incrementalStart = position;
          }
          LOG.info("re-snapshot of {} started at stream position {}", data.get("data_collections"), position);
        }
        case "TABLE_SCAN_COMPLETED" -> scanned(incrementalScanned, data, "EMPTY");
        case "COMPLETED" -> {
          if (incrementalStart < 0 && !incrementalScanned.isEmpty()) {
            // Debezium resumed a re-snapshot this capture did not see start (it restarted meanwhile): where the
            // stream was at the start is not known here, so no bound is safe
            LOG.warn("re-snapshot of {} completed, but it started before this capture did: rows gone from the "
                + "legacy tables are not removed from the target; run ferry resnapshot again to remove them",
                incrementalScanned);
          }
          final Ended ended = incrementalScanned.isEmpty() || incrementalStart < 0 ? null
              : new Ended(INCREMENTAL, new ArrayList<>(incrementalScanned), RowVersion.incremental(incrementalStart));
          incrementalScanned.clear();
          incrementalStart = -1;
          return ended;
        }
        case "ABORTED" -> {
          LOG.warn("re-snapshot of {} aborted: rows gone from the legacy tables stay in the target", incrementalScanned);
          incrementalScanned.clear();
          incrementalStart = -1;
        }
        default -> {
        }
      }
    } else if (INITIAL.equals(aggregate)) {
      switch (type) {
        case "TABLE_SCAN_COMPLETED" -> scanned(initialScanned, data, null);
        case "SKIPPED" -> initialSettled = true;
        case "COMPLETED" -> {
          initialSettled = true;
          final long at = snapshotPosition >= 0 ? snapshotPosition : position;
          final Ended ended = initialScanned.isEmpty() || at <= 0 ? null
              : new Ended(INITIAL, new ArrayList<>(initialScanned), RowVersion.snapshot(at));
          initialScanned.clear();
          return ended;
        }
        case "ABORTED" -> {
          initialSettled = true;
          initialScanned.clear();
        }
        default -> {
        }
      }
    }
    return null;
  }

  /**
   * True once Debezium has said how its initial snapshot phase ended: completed, skipped (offsets exist, or the
   * mode takes none) or aborted. Every snapshot row comes before that notification in the queue of changes, so
   * a capture that has published it has published the whole snapshot.
   */
  boolean initialSettled() {
    return initialSettled;
  }

  /**
   * Whether the position {@code notification} carries may be stored as the capture's. Not that of the initial
   * snapshot's {@code STARTED} and {@code ABORTED}: Debezium sends them with the position from before the snapshot's
   * rows, none at a first start (an empty one), or, when the snapshot failed before it read any row (a connection
   * lost or a statement cancelled while it read the tables' structure), a stream position without the mark of a
   * snapshot under way. Stored, that position told Debezium's next start that no snapshot was due: it streamed from
   * there, and the legacy rows were never read (a sandbox run whose legacy database cancelled statements after
   * 20 ms: 250,000 rows, none captured, reported drained). Left unstored, the next start finds the position before
   * (none, or a snapshot under way) and takes the snapshot again. Every other notification's position is one
   * Debezium means to resume from (a re-snapshot's window, a completed snapshot's stream start).
   */
  static boolean positionMayBeStored(final Struct notification) {
    if (!INITIAL.equals(text(notification, "aggregate_type"))) {
      return true;
    }
    final String type = text(notification, "type");
    return !"STARTED".equals(type) && !"ABORTED".equals(type);
  }

  private static void scanned(final Set<String> into, final Map<String, String> data, final String alsoFine) {
    final String table = table(data.get("scanned_collection"));
    final String status = data.get("status");
    if (table == null) {
      return;
    }
    if ("SUCCEEDED".equals(status) || status != null && status.equals(alsoFine)) {
      into.add(table);
    } else {
      LOG.warn("snapshot of {} ended {}: rows gone from it in the legacy database are not removed from the target",
          table, status);
    }
  }

  /** {@code schema.table} of a Debezium data collection id ({@code schema.table}, or with the database first). */
  static String table(final String collection) {
    if (collection == null || collection.isBlank()) {
      return null;
    }
    final String[] parts = collection.split("\\.");
    return parts.length < 2 ? collection : parts[parts.length - 2] + "." + parts[parts.length - 1];
  }

  private static String text(final Struct s, final String field) {
    return s.schema().field(field) == null ? null : s.getString(field);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> additional(final Struct s) {
    final Object data = s.schema().field("additional_data") == null ? null : s.get("additional_data");
    return data instanceof Map<?, ?> m ? (Map<String, String>) m : Map.of();
  }
}
