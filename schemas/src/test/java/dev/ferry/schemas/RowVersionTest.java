package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RowVersionTest {
  private static SourcePosition at(final long lsn, final boolean snapshot) {
    return SourcePosition.newBuilder().setDatabase("d").setSchema$("public").setTable("t").setLsn(lsn)
        .setSnapshot(snapshot).setTsMs(0L).build();
  }

  @Test
  void aStreamedChangeWithAnLsnBelowTheSnapshotLsnStillWinsOverTheSnapshotRow() {
    // a transaction that began before the snapshot point and committed after it
    assertThat(RowVersion.of(at(90, false))).isGreaterThan(RowVersion.of(at(100, true)));
  }

  @Test
  void streamedChangesOfOneRowAreOrderedByLsn() {
    assertThat(RowVersion.of(at(200, false))).isGreaterThan(RowVersion.of(at(150, false)));
  }
}
