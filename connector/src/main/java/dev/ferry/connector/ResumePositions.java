package dev.ferry.connector;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The position the capture lets Debezium store for a record it published: Debezium's own, without its "last
 * processed" log position ({@code lsn_proc}).
 *
 * <p><b>Why.</b> With {@code lsn_proc} stored, a restarted Debezium 3.6 does not trust PostgreSQL to send what
 * follows the position: it reads the stream once, looks for the stored log position among the messages and skips
 * every message up to the one after it ({@code WalPositionLocator}). Log positions are not unique among those
 * messages: a commit is reported at the position its record ends, which is where the next log record starts, and
 * that may be a change of another transaction, begun earlier and still open. Stored at such a commit, Debezium took
 * that change for the commit it had stored, skipped the open transaction up to it, and its first changes never
 * reached Kafka ({@code ResumeBesideOpenTransactionIT}; debezium/dbz#76, fixed in Debezium 3.7). A position without
 * a commit of its own (the first records after a start) is no safer: Debezium takes its {@code lsn_proc} for the last
 * commit too. Without {@code lsn_proc} Debezium does not search: it asks PostgreSQL for the stream from the stored
 * log position ({@code lsn}: a commit's end, or the last change published), and PostgreSQL sends every transaction
 * that commits at or after it, whole, from its first change.
 *
 * <p><b>Nor the transaction in progress.</b> Debezium stores the transaction a position is inside of ({@code
 * transaction_id}, its per-table counts), and a restarted Debezium that meets that transaction's start again keeps
 * counting from the stored counts, without a BEGIN: the transaction, sent again from its first change (above), comes
 * with other orders ({@code total_order}) than the first time. Those orders name a change where a table has no key of
 * its own ({@code LegacyPosition}), and they key the events a processor holds: a change sent twice under two orders
 * was held twice, and an append-only table's row was written twice (seen: {@code AppendOnlyCrashIT}, one row in
 * 8,645). Stored without them, the transaction comes again as it came the first time: a BEGIN, orders from 1.
 *
 * <p><b>What it costs.</b> Restarted inside a transaction, the capture sends that transaction again from its first
 * change, not from the change after the last one published; the processor keeps a transaction it holds as it was and
 * drops one it released ({@code ReleasedTransactions}). PostgreSQL is still told the last commit ({@code lsn_commit})
 * once there is one, so the slot moves on as before; before the first commit a capture streams, the slot stays where
 * it was created.
 */
final class ResumePositions {
  static final String LAST_PROCESSED = "lsn_proc";
  /** Debezium's keys of the transaction a position is inside of: its id, and its count of events per table. */
  private static final String TRANSACTION_ID = "transaction_id";
  private static final String TRANSACTION_COUNTS = "transaction_data_collection_order_";

  private ResumePositions() {
  }

  /**
   * Marks the records of a batch Kafka took as processed, each with the position to store for it, those whose
   * position {@code mayBeStored} says may become the capture's; then the batch as finished.
   */
  static void markProcessed(final List<RecordChangeEvent<SourceRecord>> records,
      final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer,
      final Predicate<SourceRecord> mayBeStored) throws InterruptedException {
    for (final RecordChangeEvent<SourceRecord> r : records) {
      if (!mayBeStored.test(r.record())) {
        continue;
      }
      final Map<String, Object> stored = toStore(r.record().sourceOffset());
      if (stored == null) {
        committer.markProcessed(r);
      } else {
        final DebeziumEngine.Offsets offsets = committer.buildOffsets();
        stored.forEach(offsets::set);
        committer.markProcessed(r, offsets);
      }
    }
    committer.markBatchFinished();
  }

  /**
   * The position to store for a record whose own position is {@code offset}: without {@code lsn_proc} and the
   * transaction in progress; null when that one is stored as is.
   */
  static Map<String, Object> toStore(final Map<String, ?> offset) {
    if (offset == null || !offset.containsKey(LAST_PROCESSED) && !offset.containsKey(TRANSACTION_ID)
        && offset.keySet().stream().noneMatch(k -> k.startsWith(TRANSACTION_COUNTS))) {
      return null;
    }
    final Map<String, Object> out = new HashMap<>(offset);
    out.remove(LAST_PROCESSED);
    out.remove(TRANSACTION_ID);
    out.keySet().removeIf(k -> k.startsWith(TRANSACTION_COUNTS));
    return out;
  }
}
