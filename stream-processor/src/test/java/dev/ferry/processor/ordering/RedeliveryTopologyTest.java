package dev.ferry.processor.ordering;

import static dev.ferry.processor.TopologyFixtureAccess.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.TopologyFixtureAccess;
import dev.ferry.schemas.ChangeOp;
import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.kstream.Windowed;
import org.junit.jupiter.api.Test;

/**
 * Source transactions sent again by a capture that restarted before it stored its position: recognised per
 * transaction ({@link ReleasedTransactions}). Outputs read {@code table key op version [group index/size]}.
 */
class RedeliveryTopologyTest {

  /**
   * More transactions released since than the assembler remembers in memory: the repeat is found in the
   * deduplication store, which holds one entry per transaction, not one per change.
   * <pre>
   *   time  in                                                   out
   *   t1    orders 10500 CREATE, order_details 10500|1, |2  tx 5000, COMMIT (2 topics)   the order and its 2 lines
   *   t2    10,000 transactions of one order each                          10,000 orders
   *   t3    t1's changes and markers again                                 -   (dropped: tx 5000 released at t1)
   * </pre>
   */
  @Test
  void aTransactionSentAgainLongAfterItsReleaseIsDroppedFromTheStoreOfReleasedTransactions() {
    try (var f = fixture()) {
      sendOrderWithTwoLines(f);
      assertThat(f.applied()).hasSize(3);
      final int others = ReleasedTransactions.KEPT;
      for (int i = 0; i < others; i++) {
        final String tx = String.valueOf(6000 + i);
        f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 20000 + i, 3000 + 2L * i, tx, 1L));
        f.commit("orders", tx, 3001 + 2L * i, 1);
      }
      assertThat(f.applied()).hasSize(others);
      sendOrderWithTwoLines(f);
      assertThat(f.applied()).as("the redelivered transaction").isEmpty();
      assertThat(dropped(f)).as("changes counted as redelivered and dropped").isEqualTo(3.0);
      assertThat(entries(f.driver.getWindowStore(ProcessorStores.DEDUP)))
          .as("one entry per transaction released").isEqualTo(others + 1);
      assertThat(TopologyFixtureAccess.entries(f.driver.getKeyValueStore(ProcessorStores.TX_STATE)))
          .as("nothing held").isZero();
    }
  }

  /**
   * A transaction id handed out again to a later transaction (a legacy cluster restored from a backup, or ids
   * wrapped around) is not taken for a repeat: its changes carry a later source time.
   * <pre>
   *   time  in                                                   out
   *   t1    orders 10600 CREATE tx 7000, COMMIT                  sales_order 10600
   *   t2    (an hour's quarter of source time)
   *   t3    orders 10601 CREATE tx 7000, COMMIT                  sales_order 10601
   *   t4    t1 again (the first transaction redelivered)         -   (its source time is the first's: a repeat)
   * </pre>
   */
  @Test
  void aTransactionIdUsedAgainByALaterTransactionIsAppliedNotDroppedAsARepeat() {
    try (var f = fixture()) {
      final var first = TopologyFixtureAccess.order(ChangeOp.CREATE, 10600, 4000, "7000", 1L);
      f.send(first);
      f.commit("orders", "7000", 4001, 1);
      assertThat(f.applied()).containsExactly("sales_order 10600 UPSERT v8002 [7000/10600 0/1] key=10600");
      f.sourceTimePasses(Duration.ofMinutes(15));
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10601, 3000, "7000", 1L));
      f.commit("orders", "7000", 3001, 1);
      assertThat(f.applied()).containsExactly("sales_order 10601 UPSERT v6002 [7000/10601 0/1] key=10601");
      f.send(first);
      f.commit("orders", "7000", 4001, 1);
      assertThat(f.applied()).as("the first transaction sent again").isEmpty();
      assertThat(dropped(f)).isEqualTo(1.0);
    }
  }

  /**
   * A capture that restarted inside a transaction sends its first part again while the processor still holds it:
   * each change is held once, and the transaction is released once, whole.
   * <pre>
   *   time  in                                                   out
   *   t1    orders 10700 CREATE, order_details 10700|1  tx 8000  -
   *   t2    the same two changes again                           -
   *   t3    order_details 10700|2 tx 8000, COMMIT (2 topics)     the order and its 2 lines, once
   * </pre>
   */
  @Test
  void changesSentAgainWhileTheirTransactionIsHeldAreHeldOnce() {
    try (var f = fixture()) {
      for (int round = 0; round < 2; round++) {
        f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10700, 5000, "8000", 1L));
        f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10700, 1, 1, 5001, "8000", 2L));
      }
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10700, 2, 1, 5002, "8000", 3L));
      f.commit("orders", "8000", 5003, 2);
      f.commit("order_details", "8000", 5003, 2);
      assertThat(f.applied()).containsExactly(
          "sales_order 10700 UPSERT v10006 [8000/10700 0/3] key=10700",
          "sales_order_line 10700|1 UPSERT v10006 [8000/10700 1/3] key=10700",
          "sales_order_line 10700|2 UPSERT v10006 [8000/10700 2/3] key=10700");
    }
  }

  /**
   * A change outside any transaction (a capture without transaction metadata) is remembered by its identity.
   * <pre>
   *   time  in                                                   out
   *   t1    orders 10800 UPDATE lsn 6000 (no transaction)        sales_order 10800
   *   t2    the same change again                                -   (counted as redelivered)
   * </pre>
   */
  @Test
  void aChangeOutsideATransactionSentAgainIsDroppedByItsIdentity() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10800, 6000, null, null));
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10800, 6000, null, null));
      assertThat(f.applied()).extracting(r -> r.substring(0, r.indexOf(" ["))).containsExactly(
          "sales_order 10800 UPSERT v12000");
      assertThat(dropped(f)).isEqualTo(1.0);
    }
  }

  private static void sendOrderWithTwoLines(final TopologyFixtureAccess f) {
    f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10500, 2000, "5000", 1L));
    f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10500, 1, 1, 2001, "5000", 2L));
    f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10500, 2, 1, 2002, "5000", 3L));
    f.commit("orders", "5000", 2003, 2);
    f.commit("order_details", "5000", 2003, 2);
  }

  /** The processor's count of redelivered changes dropped. */
  private static double dropped(final TopologyFixtureAccess f) {
    double total = 0;
    for (final var e : f.driver.metrics().entrySet()) {
      if (e.getKey().group().equals(EchoMetrics.GROUP) && e.getKey().name().equals(RedeliveryMetrics.CHANGES)) {
        total += ((Number) e.getValue().metricValue()).doubleValue();
      }
    }
    return total;
  }

  private static long entries(final WindowStore<String, Long> store) {
    long n = 0;
    try (KeyValueIterator<Windowed<String>, Long> it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }
}
