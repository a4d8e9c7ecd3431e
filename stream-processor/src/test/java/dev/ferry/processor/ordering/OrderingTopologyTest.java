package dev.ferry.processor.ordering;

import static dev.ferry.processor.TopologyFixtureAccess.entries;
import static dev.ferry.processor.TopologyFixtureAccess.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.TopologyFixtureAccess;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.Stage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Order and uniqueness through the whole topology. Each test's javadoc is its input and expected output
 * in time order; outputs read {@code table key op version [group index/size]}. Versions count half positions
 * ({@code RowVersion}): a transaction committed at 550 writes v1100, a snapshot row read at 90 v179.
 */
class OrderingTopologyTest {

  /**
   * <pre>
   *   time  in                                       out
   *   t1    orders 10248 UPDATE lsn 500 tx 800       -
   *   t2    COMMIT 800 (orders, 1 topic)             sales_order 10248 v1100 [800/10248 0/1]
   *   t3    orders 10248 UPDATE lsn 500 tx 800       -   (redelivered after a connector restart)
   *   t4    COMMIT 800 (orders, 1 topic)             -   (redelivered)
   * </pre>
   */
  @Test
  void aDuplicateDeliveryReachesTheSinkOnce() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10248, 500, "800", 1L));
      f.commit("orders", "800", 550, 1);
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10248, 500, "800", 1L));
      f.commit("orders", "800", 550, 1);
      assertThat(f.applied()).containsExactly("sales_order 10248 UPSERT v1100 [800/10248 0/1] key=10248");
    }
  }

  /**
   * A snapshot row read twice (the connector restarted an unfinished snapshot) is not checked against the
   * deduplication store: both copies carry the same version, which the sink applies once.
   * <pre>
   *   time  in (initial snapshot)                     out
   *   t1    orders 10249 READ lsn 90                 sales_order 10249 v179    (a snapshot row's version)
   *   t2    orders 10249 READ lsn 90 (again)         sales_order 10249 v179    (same version: a no-op in the sink)
   * </pre>
   */
  @Test
  void aRepeatedSnapshotRowPassesWithItsVersionAndCostsNoDedupEntry() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10249, 90, null, null));
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10249, 90, null, null));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" ["))).containsExactly(
          "sales_order 10249 UPSERT v179", "sales_order 10249 UPSERT v179");
      try (var entries = f.driver.<String, Long>getWindowStore(ProcessorStores.DEDUP).all()) {
        assertThat(entries.hasNext()).isFalse();
      }
    }
  }

  /**
   * <pre>
   *   time  in (initial snapshot)                     out
   *   t1    order_details 10300|11 READ              -   (held: order 10300 not seen)
   *   t2    order_details 10300|42 READ              -   (held)
   *   t3    orders 10300 READ                        sales_order 10300, sales_order_line 10300|11, 10300|42
   * </pre>
   */
  @Test
  void aDetailBeforeItsHeaderWaitsAndFollowsTheHeaderInSourceOrder() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10300, 11, 1, 90, null, null));
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10300, 42, 2, 90, null, null));
      assertThat(f.applied()).isEmpty();
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10300, 90, null, null));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v"))).containsExactly(
          "sales_order 10300 UPSERT", "sales_order_line 10300|11 UPSERT", "sales_order_line 10300|42 UPSERT");
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /**
   * <pre>
   *   time        in                                 out
   *   t1          order_details 10301|11 READ        -   (held)
   *   t1+31s      customers ALFKI READ               customer ALFKI; dead letter ORDER: no public.orders row 10301
   *                                                  (the input has moved on past the orphan timeout)
   *   t2          orders 10301 READ                  sales_order 10301   (the line stays dead-lettered)
   * </pre>
   */
  @Test
  void aHeaderArrivingAfterTheOrphanTimeoutFindsItsDetailAlreadyDeadLettered() {
    try (var f = fixture(Duration.ofSeconds(30), 1000)) {
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10301, 11, 1, 90, null, null));
      inputAdvances(f, Duration.ofSeconds(31));
      final DeadLetter d = f.deadLetters.readValue();
      assertThat(d.getStage()).isEqualTo(Stage.ORDER);
      assertThat(d.getSourceTable()).isEqualTo("public.order_details");
      assertThat(d.getSourceKey()).isEqualTo("10301|11");
      assertThat(d.getErrors().get(0).getRule()).isEqualTo("order.orphan");
      assertThat(d.getErrors().get(0).getValue()).isEqualTo("10301");
      assertThat(d.getErrors().get(0).getMessage()).contains("no public.orders row with key 10301 arrived within 30s");
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10301, 90, null, null));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v")))
          .containsExactly("customer ALFKI UPSERT", "sales_order 10301 UPSERT");
    }
  }

  /**
   * <pre>
   *   time        in                                        out
   *   t1          order_details 10302|11 CREATE tx 950, COMMIT   -   (held: order 10302 not seen)
   *   t1+31s      customers ALFKI READ                      customer ALFKI; dead letter ORDER
   *   t2          orders 10302 READ                         sales_order 10302
   *   t3          the dead letter's bytes again             -   (a redelivery: dropped)
   *   t4          the same, replayed (ferry.replayed-from)  sales_order_line 10302|11
   * </pre>
   */
  @Test
  void aDeadLetteredDetailReplayedAfterItsHeaderArrivedIsApplied() {
    try (var f = fixture(Duration.ofSeconds(30), 1000)) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10302, 11, 7, 120, "950", 1L));
      f.commit("order_details", "950", 130, 1);
      inputAdvances(f, Duration.ofSeconds(31));
      final DeadLetter d = f.deadLetters.readValue();
      assertThat(d.getStage()).isEqualTo(Stage.ORDER);
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10302, 90, null, null));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v")))
          .containsExactly("customer ALFKI UPSERT", "sales_order 10302 UPSERT");

      final String key = new String(bytes(d.getOriginalKey()), java.nio.charset.StandardCharsets.UTF_8);
      final var topic = f.driver.createInputTopic(d.getTopic(), new org.apache.kafka.common.serialization.StringSerializer(),
          new org.apache.kafka.common.serialization.ByteArraySerializer());
      topic.pipeInput(key, bytes(d.getOriginalValue()));
      assertThat(f.applied()).isEmpty();
      final var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
      headers.add(DeadLetters.REPLAYED_FROM, "t.dead-letter/0/0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      topic.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(key, bytes(d.getOriginalValue()), headers));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v")))
          .containsExactly("sales_order_line 10302|11 UPSERT");
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /**
   * A group under a relation is all or nothing, and a replay applies it together.
   * <pre>
   *   time  in                                                  out
   *   t1    tx 970: order 10410, line 11 (qty 5), line 12 (qty -1), both markers
   *                                                             3 dead letters, nothing applied: line 12
   *                                                             quantity-positive; order and line 11 group.refused
   *                                                             naming line 12; each with group 970/10410 of 3
   *   t2    the order's and line 11's letters replayed          -   (held: 2 of the group's 3)
   *   t3    line 12 replayed, corrected to qty 3                order, line 11, line 12: one group of 3
   * </pre>
   * Before, the order and line 11 were applied without line 12, and a replay sent line 12 alone.
   */
  @Test
  void aGroupWithARefusedLineIsDeadLetteredWholeAndAReplayAppliesItTogether() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10410, 3000, "970", 1L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10410, 11, 5, 3001, "970", 2L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10410, 12, -1, 3002, "970", 3L));
      f.commit("orders", "970", 3010, 2);
      f.commit("order_details", "970", 3010, 2);
      assertThat(f.apply.isEmpty()).as("nothing of the group applied").isTrue();
      final java.util.List<DeadLetter> letters = f.deadLetters.readValuesToList();
      assertThat(letters).extracting(d -> d.getSourceTable() + " " + d.getSourceKey() + " "
          + d.getErrors().get(0).getRule() + " " + d.getGroup() + "/" + d.getGroupSize()).containsExactlyInAnyOrder(
              "public.orders 10410 group.refused 970/10410/3",
              "public.order_details 10410|11 group.refused 970/10410/3",
              "public.order_details 10410|12 quantity-positive 970/10410/3");
      assertThat(letters).filteredOn(d -> d.getErrors().get(0).getRule().equals("group.refused"))
          .allSatisfy(d -> {
            assertThat(d.getErrors().get(0).getMessage()).contains("public.order_details 10410|12 (quantity-positive)");
            assertThat(d.getErrors()).extracting(x -> x.getRule()).contains("quantity-positive");
          });

      for (final DeadLetter d : letters) {
        if (d.getSourceKey().equals("10410|12")) {
          continue;
        }
        replay(f, d, bytes(d.getOriginalValue()));
      }
      assertThat(f.apply.isEmpty()).as("held until the whole group is back").isTrue();
      final DeadLetter line12 = letters.stream().filter(d -> d.getSourceKey().equals("10410|12")).findFirst()
          .orElseThrow();
      final var fixed = TopologyFixtureAccess.line(ChangeOp.CREATE, 10410, 12, 3, 3002, "970", 3L);
      fixed.getSource().setTsMs(1_700_000_000_000L);
      replay(f, line12, f.encode(fixed));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v")) + s.substring(s.lastIndexOf('/') - 1,
          s.indexOf(']'))).containsExactly(
              "sales_order 10410 UPSERT0/3", "sales_order_line 10410|11 UPSERT1/3", "sales_order_line 10410|12 UPSERT2/3");
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /** Sends {@code value} back to {@code d}'s topic as scripts/ferry replay does, with its group headers. */
  private static void replay(final TopologyFixtureAccess f, final DeadLetter d, final byte[] value) {
    final var topic = f.driver.createInputTopic(d.getTopic(), new org.apache.kafka.common.serialization.StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer());
    final var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(DeadLetters.REPLAYED_FROM, "t.dead-letter/0/0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    headers.add(DeadLetters.REPLAY_GROUP, d.getGroup().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    headers.add(DeadLetters.REPLAY_GROUP_SIZE, String.valueOf(d.getGroupSize())
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    topic.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(
        new String(bytes(d.getOriginalKey()), java.nio.charset.StandardCharsets.UTF_8), value, headers));
  }

  private static byte[] bytes(final java.nio.ByteBuffer b) {
    final java.nio.ByteBuffer copy = b.duplicate();
    final byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }

  /**
   * <pre>
   *   time  in                                              out
   *   t1    orders 10248, lines 11, 42 READ                 order, line 11, line 42
   *   t2    orders 10248 DELETE tx 900 (source order 1)     -
   *   t3    order_details 10248|11 DELETE tx 900 (2)        -
   *   t4    order_details 10248|42 DELETE tx 900 (3)        -
   *   t5    COMMIT 900 (orders), COMMIT 900 (order_details) line 11 DELETE, line 42 DELETE, order DELETE
   *   t6    order_details 10248|11 CREATE tx 901, COMMIT    -   (held: the order was deleted)
   * </pre>
   */
  @Test
  void deletingAHeaderWithItsDetailsDeletesChildrenFirstAndForgetsTheHeader() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10248, 90, null, null));
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10248, 11, 1, 90, null, null));
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10248, 42, 1, 90, null, null));
      f.applied();
      f.send(TopologyFixtureAccess.order(ChangeOp.DELETE, 10248, 700, "900", 1L));
      f.send(TopologyFixtureAccess.line(ChangeOp.DELETE, 10248, 11, null, 710, "900", 2L));
      f.send(TopologyFixtureAccess.line(ChangeOp.DELETE, 10248, 42, null, 720, "900", 3L));
      f.commit("orders", "900", 750, 2);
      assertThat(f.applied()).isEmpty();
      f.commit("order_details", "900", 750, 2);
      assertThat(f.applied()).containsExactly(
          "sales_order_line 10248|11 DELETE v1500 [900/10248 0/3] key=10248",
          "sales_order_line 10248|42 DELETE v1500 [900/10248 1/3] key=10248",
          "sales_order 10248 DELETE v1500 [900/10248 2/3] key=10248");
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10248, 11, 5, 800, "901", 1L));
      f.commit("order_details", "901", 810, 1);
      assertThat(f.applied()).isEmpty();
    }
  }

  /**
   * <pre>
   *   time  in                                        out
   *   t1    orders 10249 UPDATE lsn 600 tx 910, COMMIT  sales_order 10249 v1220
   *   t2    orders 10249 UPDATE lsn 580 tx 905, COMMIT  sales_order 10249 v1180 (older: the sink keeps v1220)
   * </pre>
   * A late older change is passed on with its own, lower version, never renumbered: the sink's version
   * guard is what refuses it (see the sink's tests).
   */
  @Test
  void aLateOlderVersionKeepsItsOlderVersion() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10249, 600, "910", 1L));
      f.commit("orders", "910", 610, 1);
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10249, 580, "905", 1L));
      f.commit("orders", "905", 590, 1);
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" ["))).containsExactly(
          "sales_order 10249 UPSERT v1220", "sales_order 10249 UPSERT v1180");
    }
  }

  /**
   * A transaction reaches the target as the state it left each row in, versioned by its commit: nobody outside it
   * saw the states between, and its rows share one version, so two of them for one row could not be told apart.
   * <pre>
   *   time  in (tx 990)                                  out
   *   t1    order_details 10600|11 CREATE quantity 1 (1)  -
   *   t2    orders 10600 CREATE (2)                      -
   *   t3    order_details 10600|11 UPDATE quantity 3 (3)  -
   *   t4    order_details 10600|42 CREATE quantity 7 (4)  -
   *   t5    order_details 10600|42 DELETE (5)             -
   *   t6    COMMIT 990 at 1000 (orders, order_details)   sales_order 10600 v2000, line 10600|11 quantity 3 v2000
   *                                                      (an insert still), line 10600|42 DELETE v2000
   * </pre>
   */
  @Test
  void aRowChangedSeveralTimesInOneTransactionArrivesOnceInItsFinalStateAtTheCommitPosition() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10600, 11, 1, 910, "990", 1L));
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10600, 920, "990", 2L));
      f.send(TopologyFixtureAccess.line(ChangeOp.UPDATE, 10600, 11, 3, 930, "990", 3L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10600, 42, 7, 940, "990", 4L));
      f.send(TopologyFixtureAccess.line(ChangeOp.DELETE, 10600, 42, 7, 950, "990", 5L));
      f.commit("orders", "990", 1000, 2);
      f.commit("order_details", "990", 1000, 2);
      final List<ApplyRecord> out = f.appliedRecords();
      assertThat(out).extracting(a -> a.getTable() + " " + Columns.keyText(a.getKey()) + " " + a.getOp() + " v"
          + a.getVersion()).containsExactly("sales_order_line 10600|42 DELETE v2000", "sales_order 10600 UPSERT v2000",
          "sales_order_line 10600|11 UPSERT v2000");
      assertThat(Columns.find(out.get(2).getRow(), "quantity").getValue()).isEqualTo(3);
    }
  }

  /**
   * <pre>
   *   time  in                                          out
   *   t1    order_details 10260|1 CREATE  tx A (2)      -
   *   t2    orders 10261 CREATE           tx B (1)      -
   *   t3    orders 10260 CREATE           tx A (1)      -
   *   t4    order_details 10261|1 CREATE  tx B (2)      -
   *   t5    order_details 10260|2 CREATE  tx A (3)      -
   *   t6    COMMIT B (orders), COMMIT B (order_details)  group B/10261: order 10261, line 10261|1
   *   t7    COMMIT A (orders)                           -   (A has 1 of 2 markers)
   *   t8    COMMIT A (order_details)                    group A/10260: order 10260, lines 1, 2
   * </pre>
   */
  @Test
  void interleavedTransactionsOnTwoHeadersComeOutAsWholeGroupsHeaderFirst() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10260, 1, 1, 1010, "A", 2L));
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10261, 2000, "B", 1L));
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10260, 1000, "A", 1L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10261, 1, 1, 2010, "B", 2L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10260, 2, 1, 1020, "A", 3L));
      f.commit("orders", "B", 2100, 2);
      f.commit("order_details", "B", 2100, 2);
      assertThat(f.applied()).containsExactly(
          "sales_order 10261 UPSERT v4200 [B/10261 0/2] key=10261",
          "sales_order_line 10261|1 UPSERT v4200 [B/10261 1/2] key=10261");
      f.commit("orders", "A", 1100, 2);
      assertThat(f.applied()).isEmpty();
      f.commit("order_details", "A", 1100, 2);
      assertThat(f.applied()).containsExactly(
          "sales_order 10260 UPSERT v2200 [A/10260 0/3] key=10260",
          "sales_order_line 10260|1 UPSERT v2200 [A/10260 1/3] key=10260",
          "sales_order_line 10260|2 UPSERT v2200 [A/10260 2/3] key=10260");
    }
  }

  /**
   * A transaction marked twice: the capture wrote it whole with its commit markers (counting the 2 topics it wrote),
   * was killed before it stored a position past it, and its restart resumed inside it, so it marked the end again in
   * every captured topic (counting all 4 of this partition). The repeats in orders and order_details are dropped as
   * redeliveries; the others arrive, possibly before the first run's events in another topic are read. The
   * transaction is complete only when every topic a marker counted has sent its marker.
   * <pre>
   *   time  in                                                     out
   *   t1    orders 10420 CREATE tx 971                             -
   *   t2    COMMIT 971 (customers, of 4 topics: the restart)       -   (1 of 4)
   *   t3    COMMIT 971 (orders, of 2 topics: the first run)        -   (2 of 4; before, 2 of 2: the order went alone)
   *   t4    COMMIT 971 (orders, of 4 topics: the restart)          -   (a redelivery: dropped)
   *   t5    order_details 10420|11 CREATE tx 971                   -
   *   t6    COMMIT 971 (order_details, of 2 topics)                -   (3 of 4)
   *   t7    COMMIT 971 (shippers, of 4 topics: the restart)        sales_order 10420 with its line
   * </pre>
   */
  @Test
  void aTransactionMarkedAgainByARestartedCaptureWaitsForEveryTopicAnyMarkerCounted() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10420, 2400, "971", 1L));
      f.commit("customers", "971", 2410, 4);
      f.commit("orders", "971", 2410, 2);
      f.commit("orders", "971", 2410, 4);
      assertThat(f.applied()).as("the order without its line").isEmpty();
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10420, 11, 1, 2401, "971", 2L));
      f.commit("order_details", "971", 2410, 2);
      assertThat(f.applied()).isEmpty();
      f.commit("shippers", "971", 2410, 4);
      assertThat(f.applied()).containsExactly(
          "sales_order 10420 UPSERT v4820 [971/10420 0/2] key=10420",
          "sales_order_line 10420|11 UPSERT v4820 [971/10420 1/2] key=10420");
      assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.TX_STATE))).isZero();
    }
  }

  /**
   * The same restart, with the first run's markers read first: the transaction is released whole on them, and the
   * restarted capture's markers in the other topics come after. They are dropped, not held as a new transaction that
   * would wait out the timeout with nothing in it and then warn that it was incomplete.
   * <pre>
   *   time  in                                                     out
   *   t1    orders 10421 CREATE tx 972, order_details 10421|11     -
   *   t2    COMMIT 972 (orders, of 2), COMMIT 972 (order_details, of 2)   sales_order 10421 with its line
   *   t3    COMMIT 972 (customers, of 4), COMMIT 972 (shippers, of 4)     -   (dropped; nothing held)
   * </pre>
   */
  @Test
  void markersOfATransactionAlreadyReleasedWholeAreNotHeld() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10421, 2500, "972", 1L));
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10421, 11, 1, 2501, "972", 2L));
      f.commit("orders", "972", 2510, 2);
      f.commit("order_details", "972", 2510, 2);
      assertThat(f.applied()).hasSize(2);
      f.commit("customers", "972", 2510, 4);
      f.commit("shippers", "972", 2510, 4);
      assertThat(f.applied()).isEmpty();
      assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.TX_STATE))).as("transactions held").isZero();
    }
  }

  /**
   * <pre>
   *   time  in                                             out
   *   t1    1,000 order_details rows for 1,000 missing orders   at most 50 held; the rest dead-lettered
   *   t2    the input moves on past the timeout              the 50 held dead-lettered too; nothing held
   * </pre>
   */
  @Test
  void aFloodOfOrphanDetailsStaysWithinTheBufferBound() {
    try (var f = fixture(Duration.ofMinutes(1), 50)) {
      for (int i = 0; i < 1000; i++) {
        f.send(TopologyFixtureAccess.line(ChangeOp.READ, 20000 + i, 1, 1, 90, null, null));
        assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.ORPHANS))).isLessThanOrEqualTo(50);
      }
      assertThat(f.deadLetters.readValuesToList()).hasSize(950)
          .allSatisfy(d -> assertThat(d.getErrors().get(0).getMessage()).contains("orphan-buffer-max = 50"));
      f.driver.advanceWallClockTime(Duration.ofMinutes(2));
      assertThat(f.deadLetters.isEmpty()).as("nothing expires while the input stands still").isTrue();
      inputAdvances(f, Duration.ofMinutes(2));
      assertThat(f.deadLetters.readValuesToList()).hasSize(50);
      assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.ORPHANS))).isZero();
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v"))).containsExactly("customer ALFKI UPSERT");
    }
  }

  /**
   * <pre>
   *   time   in                                               out
   *   t1     order_details 10400|11 CREATE tx 960             -   (held: tx 960 spans orders and order_details)
   *   t2     COMMIT 960 (order_details, of 2 topics)          -   (1 of 2 markers)
   *          the processor stops for 5 minutes (wall clock), far past the 30 s transaction timeout
   *   t3     orders 10400 CREATE tx 960                       -
   *   t4     COMMIT 960 (orders, of 2 topics)                 sales_order 10400, then its line, one group
   * </pre>
   * Before input time, t3 found the transaction released torn: the line alone, as an orphan.
   */
  @Test
  void aProcessorStoppedLongerThanTheTransactionTimeoutDoesNotTearTheTransactionItHeld() {
    try (var f = fixture(Duration.ofSeconds(30), 1000, Duration.ofSeconds(30))) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10400, 11, 3, 2001, "960", 2L));
      f.commit("order_details", "960", 2010, 2);
      f.driver.advanceWallClockTime(Duration.ofMinutes(5));
      assertThat(f.apply.isEmpty()).isTrue();
      assertThat(f.deadLetters.isEmpty()).isTrue();
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10400, 2000, "960", 1L));
      f.commit("orders", "960", 2010, 2);
      assertThat(f.applied()).containsExactly(
          "sales_order 10400 UPSERT v4020 [960/10400 0/2] key=10400",
          "sales_order_line 10400|11 UPSERT v4020 [960/10400 1/2] key=10400");
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /**
   * <pre>
   *   time     in                                           out
   *   t1       orders 10401 CREATE tx 961                   -
   *   t2       COMMIT 961 (orders, of 2 topics)             -   (the other marker is lost)
   *            5 minutes pass on the wall clock             -   (the input has not moved: still held)
   *   t2+31s   customers ALFKI UPDATE tx 962, its COMMIT    customer ALFKI; sales_order 10401 (released as collected)
   * </pre>
   */
  @Test
  void aTransactionMissingAMarkerIsReleasedOnceTheInputHasMovedPastTheTimeout() {
    try (var f = fixture(Duration.ofSeconds(30), 1000, Duration.ofSeconds(30))) {
      f.send(TopologyFixtureAccess.order(ChangeOp.CREATE, 10401, 2100, "961", 1L));
      f.commit("orders", "961", 2110, 2);
      f.driver.advanceWallClockTime(Duration.ofMinutes(5));
      assertThat(f.apply.isEmpty()).isTrue();
      f.sourceTimePasses(Duration.ofSeconds(31));
      f.send(TopologyFixtureAccess.customer(ChangeOp.UPDATE, "ALFKI", 2200, "962", 1L));
      f.commit("customers", "962", 2210, 1);
      f.driver.advanceWallClockTime(Duration.ofSeconds(10));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" ["))).containsExactly(
          "customer ALFKI UPSERT v4420", "sales_order 10401 UPSERT v4220");
    }
  }

  /**
   * <pre>
   *   time  in                                          out
   *   t1    order_details 10402|11 READ                 -   (held: no order 10402 yet)
   *         5 minutes pass on the wall clock            -   (the orphan timeout is 30 s of input time: still held)
   *   t2    orders 10402 READ                           sales_order 10402, then sales_order_line 10402|11
   * </pre>
   */
  @Test
  void aDetailWaitingForItsHeaderIsNotOrphanedWhileTheInputStandsStill() {
    try (var f = fixture(Duration.ofSeconds(30), 1000)) {
      f.send(TopologyFixtureAccess.line(ChangeOp.READ, 10402, 11, 1, 90, null, null));
      f.driver.advanceWallClockTime(Duration.ofMinutes(5));
      assertThat(f.deadLetters.isEmpty()).isTrue();
      f.send(TopologyFixtureAccess.order(ChangeOp.READ, 10402, 90, null, null));
      assertThat(f.applied()).extracting(s -> s.substring(0, s.indexOf(" v")))
          .containsExactly("sales_order 10402 UPSERT", "sales_order_line 10402|11 UPSERT");
    }
  }

  /**
   * A table captured before it is mapped (the connector counts its marker; the mapping leaves it out).
   * <pre>
   *   time  in                                            out
   *   t1    orders 10403 UPDATE tx 963                    -
   *   t2    shippers 3 UPDATE tx 963                      -   (captured, not mapped: dropped)
   *   t3    COMMIT 963 (orders, of 2 topics)              -   (1 of 2 markers)
   *   t4    COMMIT 963 (shippers, of 2 topics)            sales_order 10403: the transaction is complete
   * </pre>
   * Before, the processor did not read the shippers topic, and the order waited out the transaction timeout.
   */
  @Test
  void aTransactionOverAMappedAndACapturedButUnmappedTableCompletesWithTheUnmappedTablesMarker() {
    try (var f = fixture()) {
      f.send(TopologyFixtureAccess.order(ChangeOp.UPDATE, 10403, 2300, "963", 1L));
      f.send(TopologyFixtureAccess.shipper(ChangeOp.UPDATE, 3, 2301, "963", 2L));
      f.commit("orders", "963", 2310, 2);
      assertThat(f.apply.isEmpty()).isTrue();
      f.commit("shippers", "963", 2310, 2);
      assertThat(f.applied()).containsExactly("sales_order 10403 UPSERT v4620 [963/10403 0/1] key=10403");
      assertThat(f.deadLetters.isEmpty()).isTrue();
      assertThat(entries(f.driver.getKeyValueStore(ProcessorStores.TX_STATE))).isZero();
    }
  }

  /**
   * A line <em>added</em> to an order the processor never saw, when the capture started without a snapshot
   * ({@code snapshot-mode: no-data}: the target was loaded by other means, so the order exists there): it passes at
   * once, and is never dead-lettered as an orphan. With a snapshot the same line waits for its order.
   * <pre>
   *   time        in                                            out
   *   t1          order_details 10510|11 CREATE tx 985, COMMIT  sales_order_line 10510|11   (waiting: held)
   *   t1+31s      customers ALFKI READ                          customer ALFKI              (waiting: an orphan)
   * </pre>
   */
  @Test
  void aLineAddedUnderAnOrderTheProcessorNeverSawPassesWhenTheCaptureStartedWithoutASnapshot() {
    try (var f = TopologyFixtureAccess.fixtureWithoutSnapshot(Duration.ofSeconds(30))) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10510, 11, 4, 5000, "985", 1L));
      f.commit("order_details", "985", 5010, 1);
      assertThat(f.applied()).containsExactly("sales_order_line 10510|11 UPSERT v10020 [985/10510 0/1] key=10510");
      inputAdvances(f, Duration.ofSeconds(31));
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
    try (var f = fixture(Duration.ofSeconds(30), 1000)) {
      f.send(TopologyFixtureAccess.line(ChangeOp.CREATE, 10510, 11, 4, 5000, "985", 1L));
      f.commit("order_details", "985", 5010, 1);
      assertThat(f.applied()).isEmpty();
      inputAdvances(f, Duration.ofSeconds(31));
      assertThat(f.deadLetters.readValue().getErrors().get(0).getRule()).isEqualTo("order.orphan");
    }
  }

  /**
   * A processor that never saw an order (it started with {@code snapshot-mode: no-data}, so its header index is
   * empty) passes an update of one of the order's lines at once: an update says the line, and so its order,
   * exists.
   * <pre>
   *   time  in                                            out
   *   t1    order_details 10500|11 UPDATE tx 980, COMMIT  sales_order_line 10500|11   (before: held, then orphaned)
   * </pre>
   */
  @Test
  void aLineUpdatedUnderAnOrderTheProcessorNeverSawIsNotHeldAsAnOrphan() {
    try (var f = fixture(Duration.ofSeconds(30), 1000)) {
      f.send(TopologyFixtureAccess.line(ChangeOp.UPDATE, 10500, 11, 4, 4000, "980", 1L));
      f.commit("order_details", "980", 4010, 1);
      assertThat(f.applied()).containsExactly("sales_order_line 10500|11 UPSERT v8020 [980/10500 0/1] key=10500");
      inputAdvances(f, Duration.ofMinutes(1));
      assertThat(f.deadLetters.isEmpty()).isTrue();
    }
  }

  /** Changes committed {@code d} later arrive (a customer snapshot row), and the processor's timers run. */
  private static void inputAdvances(final TopologyFixtureAccess f, final Duration d) {
    f.sourceTimePasses(d);
    f.send(TopologyFixtureAccess.customer(ChangeOp.READ, "ALFKI", 1, null, null));
    f.driver.advanceWallClockTime(Duration.ofSeconds(10));
  }
}
