package dev.ferry.schemas;

/**
 * The version a target row gets from the source change that produced it. A target row only ever
 * moves to a higher version, which makes replays and redeliveries harmless.
 *
 * <p>Rule: a streamed change's version is the commit position of its transaction (PostgreSQL: the
 * commit LSN); a snapshot row's is just below the snapshot's consistent position (the LSN its
 * records carry), so that every transaction streamed from that position wins over it, and a snapshot
 * taken later wins over everything streamed before it.
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
 * migration: every new version of a row is above every old one.
 */
public final class RowVersion {
  private RowVersion() {
  }

  /** The version of a change of a transaction committed at {@code commitPosition}. */
  public static long streamed(final long commitPosition) {
    return commitPosition;
  }

  /** The version of a row read by a snapshot whose consistent position is {@code snapshotPosition}. */
  public static long snapshot(final long snapshotPosition) {
    return Math.max(0L, snapshotPosition - 1);
  }

  /** The version of {@code change} when its transaction committed at {@code commitPosition}. */
  public static long of(final SourcePosition change, final long commitPosition) {
    return change.getSnapshot() ? snapshot(change.getLsn()) : streamed(commitPosition);
  }
}
