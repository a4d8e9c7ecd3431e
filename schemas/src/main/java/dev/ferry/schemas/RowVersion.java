package dev.ferry.schemas;

/**
 * The version a target row gets from the source change that produced it. A target row only ever
 * moves to a higher version, which makes replays and redeliveries harmless.
 *
 * <p>Rule, in units of half a source log position (PostgreSQL: LSN), so that a snapshot row can sit just
 * below or just above a position that a transaction's commit may also occupy:
 * <ul>
 *   <li>a streamed change: twice the commit position of its transaction, {@code 2c};</li>
 *   <li>a row of the initial snapshot (or of a re-snapshot after a lost slot), read at the snapshot's consistent
 *       position {@code s}: {@code 2s - 1}, below every transaction streamed from {@code s} on, above everything
 *       streamed before;</li>
 *   <li>a row of an incremental snapshot ({@code ferry resnapshot}), read in a chunk while the stream went on and
 *       sent at stream position {@code l}: {@code 2l + 1}, above every transaction committed by then (the chunk
 *       holds their effects), below every one after (changes in the chunk's window replace its rows).</li>
 * </ul>
 *
 * <p>Why the commit position, not the change's own log position: PostgreSQL LSNs interleave across
 * concurrent transactions, so a transaction that began before a snapshot's consistent point and
 * commits after it carries change LSNs below the snapshot's. Commit positions are in commit order,
 * which is the order a reader of the source sees. A transaction reaches the target as one state per
 * row (the processor keeps only the last change of each row within a transaction), so all rows of a
 * transaction can share its commit position.
 *
 * <p>A change replayed from a dead letter comes without its transaction: its own log position
 * stands in. That is safe: a writer holds the row's lock until it commits, so the change's position
 * is above the commit of every earlier transaction that wrote the row and below its own
 * transaction's commit, which any later change of the row exceeds.
 *
 * <p>Targets written before this rule (versions were change positions, snapshot rows 0) need no
 * migration: every new version of a row is above every old one. Positions up to 2^62 (4 EiB of WAL) fit.
 */
public final class RowVersion {
  private RowVersion() {
  }

  /** The version of a change of a transaction committed at {@code commitPosition}. */
  public static long streamed(final long commitPosition) {
    return 2 * commitPosition;
  }

  /** The version of a row read by a snapshot whose consistent position is {@code snapshotPosition}. */
  public static long snapshot(final long snapshotPosition) {
    return Math.max(0L, 2 * snapshotPosition - 1);
  }

  /** The version of a row an incremental snapshot read and sent at stream position {@code streamPosition}. */
  public static long incremental(final long streamPosition) {
    return 2 * streamPosition + 1;
  }

  /** The version of {@code change} when its transaction committed at {@code commitPosition}. */
  public static long of(final SourcePosition change, final long commitPosition) {
    if (change.getIncremental()) {
      return incremental(change.getLsn());
    }
    return change.getSnapshot() ? snapshot(change.getLsn()) : streamed(commitPosition);
  }
}
