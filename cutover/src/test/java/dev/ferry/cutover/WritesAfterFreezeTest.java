package dev.ferry.cutover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WritesAfterFreezeTest {
  @Test
  void aPositionIsTheNumberPostgresqlsLsnStandsFor() {
    assertThat(WritesAfterFreeze.lsn("0/1A03748")).isEqualTo(0x1A03748L);
    assertThat(WritesAfterFreeze.lsn("16/B374D848")).isEqualTo(0x16L << 32 | 0xB374D848L);
  }

  @Test
  void theFindingNamesEachTableWithItsTransactions() {
    final Map<String, Set<Long>> found = new LinkedHashMap<>();
    found.put("public.order_details", Set.of(10L, 12L));
    found.put("public.orders", Set.of(10L));
    assertThat(WritesAfterFreeze.describe(found))
        .isEqualTo("public.order_details (2 transactions), public.orders (1 transaction)");
  }
}
