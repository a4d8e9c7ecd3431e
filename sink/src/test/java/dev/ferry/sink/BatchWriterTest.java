package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchWriterTest {
  private static long offset;

  private static ApplyTopicRecord rec(final String table, final int id, final ApplyOp op,
      final long version) {
    final ApplyRecord a = ApplyRecord.newBuilder().setTable(table).setOp(op).setKey(List.of(Columns.of("id", id)))
        .setRow(op == ApplyOp.DELETE ? null : List.of(Columns.of("id", id))).setVersion(version)
        .setSourceTable("public." + table).setSourceTsMs(0L).build();
    return ApplyTopicRecord.of("apply", 0, offset++, String.valueOf(id), a);
  }

  @Test
  void aBatchCollapsesToTheNewestVersionPerTableAndKey() {
    final var batch = List.of(
        rec("sales_order", 1, ApplyOp.UPSERT, 10),
        rec("sales_order", 2, ApplyOp.UPSERT, 11),
        rec("sales_order", 1, ApplyOp.UPSERT, 12),
        rec("sales_order_line", 1, ApplyOp.UPSERT, 13),
        rec("sales_order", 2, ApplyOp.DELETE, 14),
        rec("sales_order", 1, ApplyOp.UPSERT, 9));
    final var newest = NewestPerRow.of(batch);
    assertThat(newest).extracting(r -> r.value().getTable() + "/" + Columns.keyText(r.value().getKey()) + "/"
        + r.value().getOp() + "/" + r.value().getVersion())
        .containsExactly("sales_order/1/UPSERT/12", "sales_order/2/DELETE/14", "sales_order_line/1/UPSERT/13");
  }

  /**
   * An update PostgreSQL sent without an unchanged TOAST value (the mapping leaves its column out) after one that set
   * it, both in one batch: the collapsed row carries the value the older one set, and the newer one's own.
   */
  @Test
  void aNewerChangeThatLeavesAColumnOutTakesItsValueFromTheOlderOneInTheBatch() {
    final ApplyRecord setsTheText = ApplyRecord.newBuilder().setTable("doc").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 1))).setRow(List.of(Columns.of("id", 1), Columns.of("body", "long text"),
            Columns.of("state", "draft"))).setVersion(20).setSourceTable("public.doc").setSourceTsMs(0L).build();
    final ApplyRecord setsTheState = ApplyRecord.newBuilder(setsTheText).setRow(List.of(Columns.of("id", 1),
        Columns.of("state", "sent"))).setVersion(30).build();
    final ApplyRecord older = ApplyRecord.newBuilder(setsTheText).setRow(List.of(Columns.of("id", 1),
        Columns.of("body", "older text"), Columns.of("state", "new"))).setVersion(10).build();
    final var newest = NewestPerRow.of(List.of(ApplyTopicRecord.of("apply", 0, 1, "1", older),
        ApplyTopicRecord.of("apply", 0, 2, "1", setsTheText), ApplyTopicRecord.of("apply", 0, 3, "1", setsTheState),
        rec("doc", 2, ApplyOp.UPSERT, 5)));
    assertThat(newest).hasSize(2);
    assertThat(newest.get(0).offset()).isEqualTo(3);
    assertThat(newest.get(0).value().getVersion()).isEqualTo(30);
    assertThat(newest.get(0).value().getRow()).extracting(c -> c.getName() + "=" + c.getValue())
        .containsExactly("id=1", "state=sent", "body=long text");
    assertThat(newest.get(1).value().getRow()).extracting(c -> c.getName() + "=" + c.getValue())
        .containsExactly("id=2");
  }
}
