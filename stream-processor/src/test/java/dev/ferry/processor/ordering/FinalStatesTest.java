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

  /**
   * {@link FinalStates#next}, folded over a row's changes one at a time (as a transaction too large for memory is
   * collapsed, {@link LargeRelease}), ends where {@link FinalStates#of} does, on every mix of inserts, updates with and
   * without a column left unchanged, and deletes.
   */
  @Test
  void foldingTheChangesOneAtATimeEndsWhereTheWholeListDoes() {
    final java.util.Random random = new java.util.Random(41);
    final ChangeOp[] ops = {ChangeOp.CREATE, ChangeOp.UPDATE, ChangeOp.UPDATE, ChangeOp.DELETE};
    for (int round = 0; round < 2_000; round++) {
      final List<ChangeEvent> row = new java.util.ArrayList<>();
      final int n = 1 + random.nextInt(6);
      for (int i = 0; i < n; i++) {
        final ChangeOp op = ops[random.nextInt(ops.length)];
        final List<ColumnValue> after = new java.util.ArrayList<>(List.of(Columns.of("id", 1)));
        final List<String> unchanged = new java.util.ArrayList<>();
        for (final String column : List.of("title", "body", "notes")) {
          if (op == ChangeOp.UPDATE && random.nextInt(3) == 0) {
            unchanged.add(column);
          } else {
            after.add(Columns.of(column, column + round + "." + i));
          }
        }
        row.add(change(op, 1, i + 1, op == ChangeOp.DELETE ? null : after, op == ChangeOp.DELETE ? List.of()
            : unchanged));
      }
      ChangeEvent folded = null;
      for (final ChangeEvent e : row) {
        folded = FinalStates.next(folded, e);
      }
      final ChangeEvent whole = FinalStates.of(row).get(0);
      assertThat(folded.getOp()).as("round %d: %s", round, row).isEqualTo(whole.getOp());
      assertThat(folded.getUnchanged()).as("round %d", round).containsExactlyInAnyOrderElementsOf(
          whole.getUnchanged());
      assertThat(folded.getAfter() == null ? null : new java.util.HashSet<>(folded.getAfter())).as("round %d", round)
          .isEqualTo(whole.getAfter() == null ? null : new java.util.HashSet<>(whole.getAfter()));
      assertThat(folded.getSource().getTxOrder()).isEqualTo(whole.getSource().getTxOrder());
    }
  }
}
