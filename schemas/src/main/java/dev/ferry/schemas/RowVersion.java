package dev.ferry.schemas;

/**
 * The version a target row gets from the source change that produced it. A target row only ever
 * moves to a higher version, which makes replays and redeliveries harmless.
 *
 * <p>Rule: a streamed change's version is its own source log position (PostgreSQL: the WAL LSN of
 * the change); a snapshot row's version is {@code 0}.
 *
 * <p>Why not the LSN for snapshot rows too: PostgreSQL LSNs interleave across concurrent
 * transactions. A transaction that began before the snapshot's consistent point and commits after it
 * is not in the snapshot, yet its changes carry LSNs <em>below</em> the snapshot LSN; versioning the
 * snapshot at its LSN would make the target reject those later changes as "older". Every streamed
 * change to a row commits after the snapshot point, so it must win over the snapshot row: version 0
 * guarantees that. Between streamed changes of one row the LSN order is the commit order, because a
 * writer holds the row lock until it commits.
 *
 * <p>Consequence: a second snapshot (re-snapshot after the replication slot was lost) cannot
 * overwrite rows a stream has written; reset the target before re-snapshotting.
 */
public final class RowVersion {
  private RowVersion() {
  }

  public static long of(final SourcePosition source) {
    return source.getSnapshot() ? 0L : source.getLsn();
  }
}
