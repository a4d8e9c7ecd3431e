package dev.ferry.processor.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.SourcePosition;
import java.util.List;
import org.junit.jupiter.api.Test;

class FinalStatesTest {
  private static ChangeEvent change(final ChangeOp op, final int id, final long order, final List<ColumnValue> after,
      final List<String> unchanged) {
    final List<ColumnValue> key = List.of(Columns.of("id", id));
    return ChangeEvent.newBuilder().setOp(op)
        .setSource(SourcePosition.newBuilder().setDatabase("d").setSchema$("public").setTable("notes").setLsn(order)
            .setTxId("7").setTxOrder(order).setTsMs(0L).build())
        .setKey(key).setBefore(op == ChangeOp.DELETE ? key : null).setAfter(after).setUnchanged(unchanged).build();
  }

  @Test
  void aColumnTheLastUpdateDidNotSendTakesTheValueAnEarlierStatementOfTheTransactionWrote() {
    // UPDATE notes SET body = 'long text' ...; UPDATE notes SET title = 'b' ... (body: an unchanged TOAST value)
    final ChangeEvent first = change(ChangeOp.UPDATE, 1, 1, List.of(Columns.of("id", 1), Columns.of("title", "a"),
        Columns.of("body", "long text")), List.of());
    final ChangeEvent second = change(ChangeOp.UPDATE, 1, 2, List.of(Columns.of("id", 1), Columns.of("title", "b")),
        List.of("body"));
    final List<ChangeEvent> out = FinalStates.of(List.of(first, second));
    assertThat(out).singleElement().satisfies(e -> {
      assertThat(e.getOp()).isEqualTo(ChangeOp.UPDATE);
      assertThat(Columns.find(e.getAfter(), "title").getValue()).isEqualTo("b");
      assertThat(Columns.find(e.getAfter(), "body").getValue()).isEqualTo("long text");
      assertThat(e.getUnchanged()).isEmpty();
    });
  }

  @Test
  void aColumnNoStatementOfTheTransactionWroteStaysUnchanged() {
    final ChangeEvent first = change(ChangeOp.UPDATE, 1, 1, List.of(Columns.of("id", 1), Columns.of("title", "a")),
        List.of("body"));
    final ChangeEvent second = change(ChangeOp.UPDATE, 1, 2, List.of(Columns.of("id", 1), Columns.of("title", "b")),
        List.of("body"));
    assertThat(FinalStates.of(List.of(first, second))).singleElement()
        .satisfies(e -> assertThat(e.getUnchanged()).containsExactly("body"));
  }

  @Test
  void aRowInsertedDeletedAndInsertedAgainIsTheLastInsertAndNothingBeforeTheDeleteLeaksIntoIt() {
    final ChangeEvent a = change(ChangeOp.CREATE, 1, 1, List.of(Columns.of("id", 1), Columns.of("title", "a"),
        Columns.of("body", "old")), List.of());
    final ChangeEvent gone = change(ChangeOp.DELETE, 1, 2, null, List.of());
    final ChangeEvent b = change(ChangeOp.CREATE, 1, 3, List.of(Columns.of("id", 1), Columns.of("title", "b")),
        List.of());
    final ChangeEvent c = change(ChangeOp.UPDATE, 1, 4, List.of(Columns.of("id", 1), Columns.of("title", "c")),
        List.of("body"));
    assertThat(FinalStates.of(List.of(a, gone, b, c))).singleElement().satisfies(e -> {
      assertThat(e.getOp()).isEqualTo(ChangeOp.CREATE);
      assertThat(Columns.find(e.getAfter(), "title").getValue()).isEqualTo("c");
      assertThat(Columns.find(e.getAfter(), "body")).isNull();
      assertThat(e.getUnchanged()).containsExactly("body");
    });
  }

  @Test
  void aRowInsertedThenDeletedIsADeleteAndOtherRowsKeepTheirPlaces() {
    final ChangeEvent a = change(ChangeOp.CREATE, 1, 1, List.of(Columns.of("id", 1)), List.of());
    final ChangeEvent other = change(ChangeOp.CREATE, 2, 2, List.of(Columns.of("id", 2)), List.of());
    final ChangeEvent gone = change(ChangeOp.DELETE, 1, 3, null, List.of());
    assertThat(FinalStates.of(List.of(a, other, gone))).extracting(e -> e.getOp() + " " + Columns.keyText(e.getKey()))
        .containsExactly("DELETE 1", "CREATE 2");
  }
}
