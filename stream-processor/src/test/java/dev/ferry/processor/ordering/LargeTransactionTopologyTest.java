package dev.ferry.processor.ordering;

import static dev.ferry.processor.TopologyFixtureAccess.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.TopologyFixtureAccess;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A source transaction of more than {@link TransactionAssembler#LARGE} changes (a legacy batch job) is released
 * through the store ({@link LargeRelease}) with the same result a small one gets from memory: one group per order,
 * whole, each row once in its final state (a line inserted then updated is an insert with the update's values; one
 * inserted then deleted a delete), a line's delete before its order's upsert before the other lines', and nothing
 * left behind in the stores.
 */
class LargeTransactionTopologyTest {
  private static final int ORDERS = 12_600;

  @Test
  void aTransactionTooLargeForMemoryIsReleasedWholePerOrderInItsFinalStates() {
    try (TopologyFixtureAccess f = fixture()) {
      long order = 1;
      for (int o = 1; o <= ORDERS; o++) {
        f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, o, 1000 + order, "900", order++));
        f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, o, 1, 1, 1000 + order, "900", order++));
        f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, o, 2, 2, 1000 + order, "900", order++));
        f.send(TopologyFixtureAccess.line(o % 100 == 0 ? ChangeOp.DELETE : ChangeOp.UPDATE, o, o % 100 == 0 ? 2 : 1,
            5, 1000 + order, "900", order++));
      }
      assertThat(order - 1).isGreaterThan(TransactionAssembler.LARGE);
      f.commit("orders", "900", 900_000, 2);
      f.commit("order_details", "900", 900_000, 2);

      final Map<String, List<ApplyRecord>> byGroup = new LinkedHashMap<>();
      for (final ApplyRecord a : f.appliedRecords()) {
        byGroup.computeIfAbsent(a.getGroup(), g -> new ArrayList<>()).add(a);
      }
      assertThat(byGroup).hasSize(ORDERS);
      assertThat(byGroup.values().stream().mapToInt(List::size).sum()).isEqualTo(3 * ORDERS);
      final List<String> changed = summary(byGroup.get("900/7"));
      assertThat(changed).containsExactly("sales_order 7 UPSERT 0/3", "sales_order_line 7|1 UPSERT 1/3 quantity=5",
          "sales_order_line 7|2 UPSERT 2/3 quantity=2");
      assertThat(summary(byGroup.get("900/100"))).containsExactly("sales_order_line 100|2 DELETE 0/3",
          "sales_order 100 UPSERT 1/3", "sales_order_line 100|1 UPSERT 2/3 quantity=1");
      assertThat(byGroup.values()).allSatisfy(g -> assertThat(g).allSatisfy(a -> assertThat(a.getVersion())
          .isEqualTo(byGroup.get("900/7").get(0).getVersion())));
      for (final String store : List.of(ProcessorStores.TX_EVENTS, ProcessorStores.TX_STATE,
          ProcessorStores.TX_RELEASE)) {
        assertThat(TopologyFixtureAccess.entries(f.driver.getKeyValueStore(store))).as(store).isZero();
      }
    }
  }

  private static List<String> summary(final List<ApplyRecord> group) {
    return group.stream().map(a -> a.getTable() + " " + Columns.keyText(a.getKey()) + " " + a.getOp() + " "
        + a.getGroupIndex() + "/" + a.getGroupSize() + (a.getOp() == ApplyOp.UPSERT && a.getTable().endsWith("line")
        ? " quantity=" + Columns.find(a.getRow(), "quantity").getValue() : "")).toList();
  }
}
