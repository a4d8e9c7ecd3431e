package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LegacyPositionTest {
  /** Positions sort in log order within each kind, and a snapshot's never equals a streamed change's. */
  @Test
  void positionsSortInLogOrderAndTheKindsNeverMeet() {
    final List<String> streamed = new ArrayList<>(List.of(LegacyPosition.streamed(0x1A00000L, 1),
        LegacyPosition.streamed(0x19FFFFFL, 12), LegacyPosition.streamed(0x19FFFFFL, 2),
        LegacyPosition.streamed(0xFFFFFFFF00L, 1)));
    assertThat(streamed.stream().sorted().toList()).containsExactly("00000000019FFFFF.0000000002",
        "00000000019FFFFF.0000000012", "0000000001A00000.0000000001", "000000FFFFFFFF00.0000000001");
    assertThat(LegacyPosition.snapshot(0x19FFFFFL, 2)).isEqualTo("00000000019FFFFF.s0000000002")
        .isNotEqualTo(LegacyPosition.streamed(0x19FFFFFL, 2));
  }

  /** The key is the position alone, and both row images carry it, once, for the mapping to read. */
  @Test
  void aKeyedChangeCarriesItsPositionAsKeyAndInBothRows() {
    final ChangeEvent update = ChangeEvent.newBuilder().setOp(ChangeOp.UPDATE)
        .setSource(SourcePosition.newBuilder().setDatabase("db").setSchema$("public").setTable("history")
            .setLsn(5L).setSnapshot(false).setTsMs(1L).build())
        .setKey(List.of()).setBefore(List.of(Columns.of("delta", 1)))
        .setAfter(List.of(Columns.of("delta", 2), Columns.of(LegacyPosition.COLUMN, "stale"))).build();
    LegacyPosition.keyed(update, "P");
    assertThat(LegacyPosition.isPosition(update.getKey())).isTrue();
    assertThat(update.getKey()).extracting(ColumnValue::getValue).containsExactly("P");
    assertThat(update.getBefore()).extracting(ColumnValue::getName).containsExactly("delta", LegacyPosition.COLUMN);
    assertThat(update.getAfter()).extracting(ColumnValue::getValue).containsExactly(2, "P");
    assertThat(LegacyPosition.isPosition(List.of(Columns.of("id", 1)))).isFalse();
  }
}
