package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RowVersionTest {
  private static SourcePosition at(final long lsn, final boolean snapshot) {
    return SourcePosition.newBuilder().setDatabase("d").setSchema$("public").setTable("t").setLsn(lsn)
        .setSnapshot(snapshot).setTsMs(0L).build();
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
}
