package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceOrderTest {
  private static long offset;

  private static ApplyTopicRecord slot(final String code, final String holder, final long version) {
    final ApplyRecord a = ApplyRecord.newBuilder().setTable("slot").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("code", code))).setRow(List.of(Columns.of("code", code),
            Columns.of("holder", holder))).setVersion(version).setSourceTable("public.slot").setSourceTsMs(0L).build();
    return ApplyTopicRecord.of("apply", 0, offset++, code, a);
  }

  private static List<String> shown(final List<ApplyTopicRecord> records) {
    return records.stream().map(r -> r.value().getRow().stream().map(c -> String.valueOf(c.getValue()))
        .reduce((a, b) -> a + "," + b).orElse("") + "@" + r.value().getVersion()).toList();
  }

  @Test
  void aRowsChangesOfOneTransactionAreWrittenInOrderEachJustBelowTheNextAndTheLastAtItsVersion() {
    final var stepped = SourceOrder.stepped(List.of(slot("x", "tmp", 10), slot("y", "ann", 10), slot("x", "mid", 10),
        slot("z", "cy", 7), slot("x", "bob", 10)));
    assertThat(shown(stepped)).containsExactly("x,tmp@8", "y,ann@10", "x,mid@9", "z,cy@7", "x,bob@10");
  }

  @Test
  void aChangeOfALaterTransactionKeepsItsVersionAndAnEarlierOneStepsBelowItOnlyWhereItMust() {
    final var stepped = SourceOrder.stepped(List.of(slot("x", "a", 5), slot("x", "b", 20), slot("x", "c", 20)));
    assertThat(shown(stepped)).containsExactly("x,a@5", "x,b@19", "x,c@20");
  }

  /** A change that leaves a column out (an unchanged TOAST value) takes what the row's earlier changes set. */
  @Test
  void aChangeThatLeavesAColumnOutTakesItsValueFromTheRowsEarlierChange() {
    final ApplyRecord full = ApplyRecord.newBuilder().setTable("doc").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 1))).setRow(List.of(Columns.of("id", 1), Columns.of("body", "long text"),
            Columns.of("state", "draft"))).setVersion(30).setSourceTable("public.doc").setSourceTsMs(0L).build();
    final ApplyRecord partial = ApplyRecord.newBuilder(full).setRow(List.of(Columns.of("id", 1),
        Columns.of("state", "sent"))).build();
    final var stepped = SourceOrder.stepped(List.of(ApplyTopicRecord.of("apply", 0, 1, "1", full),
        ApplyTopicRecord.of("apply", 0, 2, "1", partial)));
    assertThat(shown(stepped)).containsExactly("1,long text,draft@29", "1,sent,long text@30");
  }

  @Test
  void noOrderIsOfferedWhereARowsVersionGoesDownOrNoRowChangesTwice() {
    assertThat(SourceOrder.stepped(List.of(slot("x", "new", 10), slot("x", "older", 9)))).isNull();
    assertThat(SourceOrder.stepped(List.of(slot("x", "a", 10), slot("y", "b", 10)))).isNull();
  }
}
