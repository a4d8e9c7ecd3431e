package dev.ferry.processor;

import static dev.ferry.processor.TopologyFixture.line;
import static dev.ferry.processor.TopologyFixture.order;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Routing: a good change becomes an apply record keyed by its header; an unreadable or unconvertible
 * one becomes a dead letter with its bytes; an unmapped table is not forwarded.
 */
class ProcessorTopologyTest {
  private final TopologyFixture f = new TopologyFixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void aSnapshotRowIsMappedAndKeyedByItsHeader() {
    f.send(order(ChangeOp.READ, 10248, 100, null, null));
    f.send(line(ChangeOp.READ, 10248, 11, 12, 100, null, null));
    final var out = f.apply.readKeyValuesToList();
    assertThat(out).extracting(kv -> kv.key).containsExactly("10248", "10248");
    final ApplyRecord row = out.get(1).value;
    assertThat(row.getTable()).isEqualTo("sales_order_line");
    assertThat(row.getOp()).isEqualTo(ApplyOp.UPSERT);
    // just below the snapshot's position (its records' LSN, 100, counted in halves): every transaction streamed
    // from there wins
    assertThat(row.getVersion()).isEqualTo(199L);
    assertThat(row.getRow()).containsExactly(Columns.of("order_id", 10248), Columns.of("product_id", 11),
        Columns.of("quantity", 12));
    assertThat(f.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void anUnconvertibleValueBecomesAMapDeadLetterWithReplayableBytesAndItsGroupIsNotApplied() {
    f.send(order(ChangeOp.CREATE, 10250, 500, "771", 1L));
    f.send(line(ChangeOp.CREATE, 10250, 41, "twelve", 510, "771", 2L));
    f.send(line(ChangeOp.CREATE, 10250, 42, 3, 520, "771", 3L));
    f.commit("orders", "771", 600, 2);
    f.commit("order_details", "771", 600, 2);
    // the order and its good line go to the dead-letter topic with it: a group is applied whole or not at all
    assertThat(f.applied()).isEmpty();
    final var letters = f.deadLetters.readValuesToList();
    assertThat(letters).extracting(x -> x.getSourceKey() + " " + x.getErrors().get(0).getRule())
        .containsExactlyInAnyOrder("10250 group.refused", "10250|41 map.integer", "10250|42 group.refused");
    final DeadLetter d = letters.stream().filter(x -> x.getSourceKey().equals("10250|41")).findFirst().orElseThrow();
    assertThat(d.getStage()).isEqualTo(Stage.MAP);
    assertThat(d.getErrors().get(0).getRule()).isEqualTo("map.integer");
    assertThat(d.getErrors().get(0).getMessage()).contains("'twelve'");
    assertThat(d.getSourceTable()).isEqualTo("public.order_details");
    assertThat(d.getSourceKey()).isEqualTo("10250|41");
    assertThat(d.getMappingVersion()).isEqualTo("t1");
    final var replay = f.topics.changeSerde().decode("t.cdc.public.order_details", d.getOriginalValue().array());
    assertThat(replay.getSource().getLsn()).isEqualTo(510L);
    assertThat(d.getAttempt()).isEqualTo(1);
    // counted per legacy table and rule: the line that failed under its rule, its group under group.refused
    assertThat(f.counts.refusedRows("public.order_details", "map.integer")).isEqualTo(1);
    assertThat(f.counts.refusedRows("public.order_details", "group.refused")).isEqualTo(1);
    assertThat(f.counts.refusedRows("public.orders", "group.refused")).isEqualTo(1);
    assertThat(f.counts.mappedRows("public.orders")).isZero();
    assertThat(f.counts.mappedRows("public.order_details")).isZero();

    // replayed as it is (the mapping not fixed): refused again, and the new dead letter says which try it was
    final var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(dev.ferry.schemas.DeadLetters.REPLAYED_FROM, "t.dead-letter/0/0".getBytes(StandardCharsets.UTF_8));
    headers.add(dev.ferry.schemas.DeadLetters.ATTEMPT, "2".getBytes(StandardCharsets.UTF_8));
    f.driver.createInputTopic(d.getTopic(), new org.apache.kafka.common.serialization.StringSerializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer()).pipeInput(new org.apache.kafka.streams.test
        .TestRecord<>(new String(d.getOriginalKey().array(), StandardCharsets.UTF_8), d.getOriginalValue().array(),
        headers));
    final DeadLetter again = f.deadLetters.readValue();
    assertThat(again.getSourceKey()).isEqualTo("10250|41");
    assertThat(again.getAttempt()).isEqualTo(2);
    assertThat(f.applied()).isEmpty();
  }

  /**
   * <pre>
   *   in (three transactions)              apply topic               dead-letter topic
   *   line 10251|1 quantity 5              applied                   -
   *   line 10251|2 quantity 0              -                         ERROR quantity-positive
   *   line 10251|3 quantity 5000           applied                   WARNING quantity-usual (assumed: a bulk order)
   * </pre>
   */
  @Test
  void goodWarnedAndFailedRowsAreRoutedBySeverity() {
    f.send(order(ChangeOp.READ, 10251, 90, null, null));
    f.applied();
    f.send(line(ChangeOp.CREATE, 10251, 1, 5, 510, "772", 1L));
    f.commit("order_details", "772", 511, 1);
    f.send(line(ChangeOp.CREATE, 10251, 2, 0, 520, "773", 1L));
    f.commit("order_details", "773", 521, 1);
    f.send(line(ChangeOp.CREATE, 10251, 3, 5000, 530, "774", 1L));
    f.commit("order_details", "774", 531, 1);
    assertThat(f.applied()).containsExactly(
        "sales_order_line 10251|1 UPSERT v1022 [772/10251 0/1] key=10251",
        "sales_order_line 10251|3 UPSERT v1062 [774/10251 0/1] key=10251");
    final var letters = f.deadLetters.readValuesToList();
    assertThat(letters).hasSize(2);
    assertThat(letters.get(0).getStage()).isEqualTo(Stage.VALIDATE);
    assertThat(letters.get(0).getSourceKey()).isEqualTo("10251|2");
    assertThat(letters.get(0).getErrors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("quantity-positive");
      assertThat(e.getField()).isEqualTo("quantity");
      assertThat(e.getValue()).isEqualTo("0");
      assertThat(e.getSeverity()).isEqualTo(dev.ferry.schemas.Severity.ERROR);
    });
    assertThat(letters.get(1).getSourceKey()).isEqualTo("10251|3");
    assertThat(letters.get(1).getErrors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("quantity-usual");
      assertThat(e.getSeverity()).isEqualTo(dev.ferry.schemas.Severity.WARNING);
      assertThat(e.getMessage()).endsWith("assumed: a bulk order");
    });
    // the warned line was applied: mapped, and warned under its rule; the refused one under its own
    assertThat(f.counts.mappedRows("public.order_details")).isEqualTo(2);
    assertThat(f.counts.mappedRows("public.orders")).isEqualTo(1);
    assertThat(f.counts.warnedRows("public.order_details", "quantity-usual")).isEqualTo(1);
    assertThat(f.counts.refusedRows("public.order_details", "quantity-positive")).isEqualTo(1);
    assertThat(f.counts.refusedRows("public.order_details", "quantity-usual")).isZero();
    assertThat(f.counts.warnedRows("public.order_details", "quantity-positive")).isZero();
  }

  /** PostgreSQL's numeric holds NaN and infinities; Debezium names them NAN, POSITIVE_INFINITY, NEGATIVE_INFINITY. */
  @Test
  void aNumericNanOrInfinityCostsOneDeadLetterAndTheNextRowsApply() {
    final java.util.Map<String, String> shown = java.util.Map.of("NAN", "NaN", "POSITIVE_INFINITY", "Infinity",
        "-Infinity", "-Infinity");
    int id = 1;
    for (final String special : java.util.List.of("NAN", "POSITIVE_INFINITY", "-Infinity")) {
      id++;
      f.send(TopologyFixture.change("orders", ChangeOp.READ, id, null, null, java.util.List.of(Columns.of("order_id", id)),
          java.util.List.of(Columns.of("order_id", id), Columns.of("freight", special, "decimal"))));
      final DeadLetter d = f.deadLetters.readValue();
      assertThat(d.getStage()).isEqualTo(Stage.MAP);
      assertThat(d.getErrors().get(0).getRule()).isEqualTo("map.decimal");
      assertThat(d.getErrors().get(0).getMessage()).contains("not a finite number");
      assertThat(d.getErrors().get(0).getValue()).isEqualTo(shown.get(special));
    }
    f.send(order(ChangeOp.READ, 10300, 7, null, null));
    assertThat(f.applied()).containsExactly("sales_order 10300 UPSERT v13 [public.orders/10300/7 0/1] key=10300");
  }

  @Test
  void unreadableBytesBecomeAReadDeadLetterKeptByteForByte() {
    final byte[] garbage = {42, 1, 2, 3};
    f.lines.pipeInput("x", garbage);
    final DeadLetter d = f.deadLetters.readValue();
    assertThat(d.getStage()).isEqualTo(Stage.READ);
    assertThat(d.getOriginalValue().array()).isEqualTo(garbage);
    assertThat(d.getTopic()).isEqualTo("t.cdc.public.order_details");
    assertThat(d.getOffset()).isZero();
    assertThat(f.apply.isEmpty()).isTrue();
  }

  @Test
  void aTableInNoRelationPassesThroughKeyedByItsOwnKey() {
    f.send(TopologyFixture.change("customers", ChangeOp.READ, 7, null, null,
        java.util.List.of(Columns.of("customer_id", "ALFKI")), java.util.List.of(Columns.of("customer_id", "ALFKI"))));
    assertThat(f.applied()).containsExactly("customer ALFKI UPSERT v13 [public.customers/ALFKI/7 0/1] key=ALFKI");
  }
}
