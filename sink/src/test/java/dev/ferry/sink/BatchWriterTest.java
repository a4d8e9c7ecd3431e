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
}
