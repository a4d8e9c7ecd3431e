package dev.ferry.processor.ordering;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetters;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops redelivered changes that belong to no source transaction. Debezium is at-least-once: after a crash the
 * connector resends what it had not confirmed. A change is identified by table, primary key, source position and
 * operation; the first delivery passes, any repeat within {@code retention} is dropped.
 *
 * <p>Changes of a source transaction (every streamed change, where the capture provides transaction metadata, as
 * Ferry's does) pass unchecked: their redeliveries are recognised per transaction by the transaction assembler
 * ({@link ReleasedTransactions}), one store entry per transaction instead of one per change.
 *
 * <pre>
 *   time  in                                 out
 *   t1    orders 10248 UPDATE lsn=500        orders 10248 UPDATE lsn=500   (no transaction id)
 *   t2    orders 10249 UPDATE lsn=510        orders 10249 UPDATE lsn=510
 *   t3    orders 10248 UPDATE lsn=500 (again) -            (dropped: seen at t1)
 *   t4    orders 10248 UPDATE lsn=520        orders 10248 UPDATE lsn=520
 *   t5    orders 10248 UPDATE lsn=500        orders 10248 UPDATE lsn=500   (header ferry.replayed-from:
 *                                                                           sent again from a dead letter)
 *   t6    orders 10250 READ (snapshot)       orders 10250 READ
 *   t7    orders 10250 READ (snapshot again) orders 10250 READ             (not checked: see below)
 *   t8    orders 10251 UPDATE tx 800         orders 10251 UPDATE tx 800    (a transaction's: the assembler's to check)
 * </pre>
 *
 * <p>The store is a window store: entries older than {@code retention} are dropped by RocksDB segment
 * expiry, so its size is bounded by the changes of one retention period.
 *
 * <p>Commit markers pass unchecked too: the transaction assembler recognises a repeat itself (a marker of a topic it
 * already counted for a held transaction changes nothing; one of a transaction it released lately is dropped; one of
 * a transaction released before a restart opens a transaction whose events are all repeats, dropped here, and that
 * is released empty). They were a third of this store's entries for an order with three lines (two markers per
 * transaction), each a store read, a write and a changelog record.
 *
 * <p>Snapshot rows ({@code READ}) pass unchecked. A repeat of one (the connector restarting an unfinished
 * snapshot) is harmless downstream: it carries the same version, which the sink does not apply twice, and it
 * belongs to no transaction, so it cannot reopen one. Checking them would cost a store read, a store write and
 * a changelog record for every row of the largest bulk Ferry sees, the initial sync, where it was a quarter of
 * the processor's CPU per row (docs/benchmarks.md).
 */
public final class Deduplicator implements Processor<String, ChangeEvent, String, ChangeEvent> {
  private final Duration retention;
  private ProcessorContext<String, ChangeEvent> context;
  private WindowStore<String, Long> seen;
  private org.apache.kafka.common.metrics.Sensor redeliveries;

  public Deduplicator(final Duration retention) {
    this.retention = retention;
  }

  @Override
  public void init(final ProcessorContext<String, ChangeEvent> context) {
    this.context = context;
    this.seen = context.getStateStore(ProcessorStores.DEDUP);
    this.redeliveries = RedeliveryMetrics.sensor(context);
  }

  @Override
  public void process(final Record<String, ChangeEvent> record) {
    final ChangeOp op = record.value().getOp();
    if (op == ChangeOp.READ || op == ChangeOp.COMMIT || op == ChangeOp.PROGRESS
        || record.value().getSource().getTxId() != null || DeadLetters.replayed(record.headers())) {
      // a snapshot row or a commit marker (see above), a progress mark (a repeat says nothing new), a change of a
      // source transaction (checked per transaction downstream), or a change sent again on purpose from a dead letter
      // (seen before, and must pass)
      context.forward(record);
      return;
    }
    final String id = identity(record.value());
    final long now = record.timestamp();
    // the fetch by milliseconds: the Instant variant formats an error-message prefix on every call (ApiUtils),
    // a measurable share of the processor's time per change
    try (WindowStoreIterator<Long> hits = seen.fetch(id, now - retention.toMillis(), Long.MAX_VALUE)) {
      if (hits.hasNext()) {
        redeliveries.record();
        return;
      }
    }
    seen.put(id, now, now);
    context.forward(record);
  }

  /** The identity of a change for deduplication. */
  static String identity(final ChangeEvent e) {
    return e.getSource().getSchema$() + "." + e.getSource().getTable() + "|" + Columns.keyText(e.getKey()) + "|"
        + e.getSource().getLsn() + "|" + e.getOp();
  }
}
