package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RowVersionTest {
  private static SourcePosition at(final long lsn, final boolean snapshot) {
    return SourcePosition.newBuilder().setDatabase("d").setSchema$("public").setTable("t").setLsn(lsn)
        .setSnapshot(snapshot).setTsMs(0L).build();
  }

  private static SourcePosition chunk(final long lsn) {
    return SourcePosition.newBuilder(at(lsn, true)).setIncremental(true).build();
  }

  @Test
  void aTransactionThatBeganBeforeTheSnapshotPointAndCommittedAfterItWinsOverTheSnapshotRow() {
    // its change sits at 90, below the snapshot's 100; its commit at 120 is what counts
    assertThat(RowVersion.of(at(90, false), 120)).isGreaterThan(RowVersion.of(at(100, true), 100));
  }

  @Test
  void aTransactionCommittedAtTheSnapshotPointWinsOverTheSnapshotRow() {
    assertThat(RowVersion.of(at(95, false), 100)).isGreaterThan(RowVersion.of(at(100, true), 100));
  }

  @Test
  void aLaterSnapshotWinsOverEverythingStreamedBeforeIt() {
    // a re-snapshot at 500 corrects a row last streamed by a transaction committed at 400
    assertThat(RowVersion.of(at(500, true), 500)).isGreaterThan(RowVersion.of(at(380, false), 400));
  }

  @Test
  void anIncrementalChunkSentAtAPositionWinsOverTheTransactionCommittedThereAndLosesToTheNext() {
    // the stream had processed the commit at 300 when the chunk was sent: the chunk holds its effects
    assertThat(RowVersion.of(chunk(300), 300)).isGreaterThan(RowVersion.of(at(290, false), 300))
        .isLessThan(RowVersion.of(at(305, false), 301));
  }

  @Test
  void anIncrementalChunkWinsOverTheInitialSnapshotAtTheSamePosition() {
    // nothing streamed since the initial snapshot at 100: a chunk read now still corrects what the snapshot wrote
    assertThat(RowVersion.of(chunk(100), 100)).isGreaterThan(RowVersion.of(at(100, true), 100));
  }
}
