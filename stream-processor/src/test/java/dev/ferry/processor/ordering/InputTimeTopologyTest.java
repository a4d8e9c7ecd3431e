package dev.ferry.processor.ordering;

import static dev.ferry.processor.TopologyFixtureAccess.entries;
import static dev.ferry.processor.TopologyFixtureAccess.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.TopologyFixtureAccess;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeOp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The processor's timeouts count input time per partition ({@link StreamTime}): a partition read ahead of another
 * does not make the other's transactions look lost, and the late part of a transaction given up on is not held
 * again.
 */
class InputTimeTopologyTest {

  /**
   * <pre>
   *   time     in                                                 out
   *   t0       progress marks: orders, order_details              -
   *   t0       orders 10410 CREATE tx 970, COMMIT 970 (of 2)      -   (held: its lines not read yet)
   *   t0+31s   orders 10411 UPDATE tx 971, COMMIT (of 1), mark    sales_order 10411
   *            (the orders partition read 31 s ahead; the 30 s transaction timeout's check runs)
   *   t0       order_details 10410|11 tx 970, COMMIT 970 (of 2)   sales_order 10410 and its line, one group
   * </pre>
   * Taken as the newest read in any partition, the input time had passed the timeout at t0+31s, and tx 970 went
   * out torn: the order alone, its line after it as a group of its own.
   */
  @Test
  void aPartitionReadAheadOfAnotherDoesNotTearTheOthersTransactions() {
    try (var f = fixture(Duration.ofSeconds(30), 1000, Duration.ofSeconds(30))) {
      f.progress("orders");
      f.progress("order_details");
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10410, 3000, "970", 1L));
      f.commit("orders", "970", 3010, 2);
      f.sourceTimePasses(Duration.ofSeconds(31));
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10411, 3100, "971", 1L));
      f.commit("orders", "971", 3110, 1);
      f.progress("orders");
      f.driver.advanceWallClockTime(Duration.ofSeconds(10));
      assertThat(groups(f)).containsExactly("sales_order 10411 971/10411 0/1");

      f.sourceTimePasses(Duration.ofSeconds(-31));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10410, 11, 2, 3001, "970", 2L));
      f.commit("order_details", "970", 3010, 2);
      assertThat(groups(f)).containsExactly(
          "sales_order 10410 970/10410 0/2", "sales_order_line 10410|11 970/10410 1/2");
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /**
   * <pre>
   *   time     in                                                 out
   *   t0       orders 10412 CREATE tx 972, COMMIT 972 (of 2)      -   (held)
   *   t0+31s   progress marks: orders, order_details              sales_order 10412 (released as collected)
   *   t0       order_details 10412|11 tx 972 (late)               sales_order_line 10412|11, at once
   *   t0       COMMIT 972 (order_details, of 2)                   -   (nothing held)
   * </pre>
   * Before, the late line opened the transaction again and waited for a second timeout, and for ever where no
   * input followed.
   */
  @Test
  void theLatePartOfATransactionReleasedIncompletePassesAtOnce() {
    try (var f = fixture(Duration.ofSeconds(30), 1000, Duration.ofSeconds(30))) {
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10412, 3200, "972", 1L));
      f.commit("orders", "972", 3210, 2);
      f.sourceTimePasses(Duration.ofSeconds(31));
      f.progress("orders");
      f.progress("order_details");
      f.driver.advanceWallClockTime(Duration.ofSeconds(10));
      assertThat(groups(f)).containsExactly("sales_order 10412 972/10412 0/1");

      f.sourceTimePasses(Duration.ofSeconds(-31));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10412, 11, 2, 3201, "972", 2L));
      assertThat(groups(f)).containsExactly("sales_order_line 10412|11 public.order_details/10412|11/3201 0/1");
      f.commit("order_details", "972", 3210, 2);
      f.driver.advanceWallClockTime(Duration.ofSeconds(10));
      assertThat(f.apply.isEmpty()).isTrue();
      assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.TX_STATE))).as("transactions held").isZero();
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /**
   * A partition that carries marks counts; one that never showed a mark (a table's topic written by something
   * else) does not hold the clock back.
   * <pre>
   *   time     in                                                 out
   *   t0       customers ALFKI UPDATE tx 973, COMMIT (of 1)       customer ALFKI
   *   t0       orders 10413 CREATE tx 974, COMMIT 974 (of 2)      -   (held)
   *   t0+31s   progress marks: orders only                        -   (order_details showed no mark: newest read)
   *            -> the newest read is t0+31s                       sales_order 10413 (released as collected)
   * </pre>
   */
  @Test
  void onlyPartitionsThatCarryMarksHoldTheClockBack() {
    try (var f = fixture(Duration.ofSeconds(30), 1000, Duration.ofSeconds(30))) {
      f.send(TopologyFixtureAccess.customer(ChangeOp.UPDATE, "ALFKI", 3300, "973", 1L));
      f.commit("customers", "973", 3310, 1);
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10413, 3400, "974", 1L));
      f.commit("orders", "974", 3410, 2);
      f.sourceTimePasses(Duration.ofSeconds(31));
      f.progress("orders");
      f.driver.advanceWallClockTime(Duration.ofSeconds(10));
      assertThat(groups(f)).containsExactly("customer ALFKI 973/ALFKI 0/1", "sales_order 10413 974/10413 0/1");
    }
  }

  /** Each record on the apply topic as {@code table key group index/size}. */
  private static List<String> groups(final TopologyFixtureAccess f) {
    return f.apply.readValuesToList().stream().map((ApplyRecord a) -> a.getTable() + " "
        + dev.ferry.schemas.Columns.keyText(a.getKey()) + " " + a.getGroup() + " " + a.getGroupIndex() + "/"
        + a.getGroupSize()).toList();
  }
}
