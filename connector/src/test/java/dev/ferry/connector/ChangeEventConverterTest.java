package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.TransactionMarker;
import dev.ferry.schemas.TransactionStatus;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Debezium PostgreSQL envelopes, built as the connector builds them, turned into Ferry envelopes. */
class ChangeEventConverterTest {
  private static final Schema ROW = SchemaBuilder.struct().name("legacy.public.orders.Value")
      .field("order_id", Schema.INT16_SCHEMA)
      .field("order_date", SchemaBuilder.int32().name("io.debezium.time.Date").optional().build())
      .field("freight", SchemaBuilder.float32().optional().build())
      .field("total", SchemaBuilder.string().optional().parameter("__debezium.source.column.type", "NUMERIC").build())
      .field("notes", SchemaBuilder.string().optional().build())
      .field("created", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
      .build();
  private static final Schema KEY = SchemaBuilder.struct().field("order_id", Schema.INT16_SCHEMA).build();
  private static final Schema SOURCE = SchemaBuilder.struct()
      .field("db", Schema.STRING_SCHEMA).field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
      .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).field("snapshot", Schema.OPTIONAL_STRING_SCHEMA)
      .field("ts_ms", Schema.INT64_SCHEMA).build();
  private static final Schema TX = SchemaBuilder.struct().optional().field("id", Schema.STRING_SCHEMA)
      .field("total_order", Schema.INT64_SCHEMA).field("data_collection_order", Schema.INT64_SCHEMA).build();
  private static final Schema ENVELOPE = SchemaBuilder.struct()
      .field("before", SchemaBuilder.struct().name("b").optional()
          .field("order_id", Schema.INT16_SCHEMA).build())
      .field("after", SchemaBuilder.struct().name("a").optional()
          .field("order_id", Schema.INT16_SCHEMA)
          .field("order_date", ROW.field("order_date").schema())
          .field("freight", ROW.field("freight").schema())
          .field("total", ROW.field("total").schema())
          .field("notes", ROW.field("notes").schema())
          .field("created", ROW.field("created").schema()).build())
      .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).field("transaction", TX).build();

  private final ChangeEventConverter converter = new ChangeEventConverter();

  private static Struct source(final String snapshot) {
    return new Struct(SOURCE).put("db", "northwind").put("schema", "public").put("table", "orders")
        .put("lsn", 123456L).put("snapshot", snapshot).put("ts_ms", 1700000000000L);
  }

  @Test
  void streamedInsertKeepsTypesAndMeaningAndDropsUnchangedToastValues() {
    final Struct after = new Struct(ENVELOPE.field("after").schema()).put("order_id", (short) 10248)
        .put("order_date", 9_681).put("freight", 32.38f).put("total", "440.00")
        .put("notes", ChangeEventConverter.UNAVAILABLE).put("created", 1_700_000_000_123_456L);
    final Struct value = new Struct(ENVELOPE).put("after", after).put("source", source("false")).put("op", "c")
        .put("transaction", new Struct(TX).put("id", "771:123000").put("total_order", 2L)
            .put("data_collection_order", 1L));
    final ChangeEvent e = converter.change(new Struct(KEY).put("order_id", (short) 10248), value);

    assertThat(e.getOp()).isEqualTo(ChangeOp.CREATE);
    assertThat(e.getSource().getLsn()).isEqualTo(123456L);
    assertThat(e.getSource().getSnapshot()).isFalse();
    assertThat(e.getSource().getTxId()).as("the xid, not Debezium's per-event id").isEqualTo("771");
    assertThat(e.getSource().getTxOrder()).isEqualTo(2L);
    assertThat(e.getKey()).containsExactly(new ColumnValue("order_id", 10248, null));
    assertThat(e.getAfter()).containsExactly(
        new ColumnValue("order_id", 10248, null),
        new ColumnValue("order_date", 9_681, "date"),
        new ColumnValue("freight", 32.38f, null),
        new ColumnValue("total", "440.00", "decimal"),
        new ColumnValue("created", 1_700_000_000_123_456L, "timestamp-micros"));
    assertThat(e.getUnchanged()).as("left out because unchanged, not gone").containsExactly("notes");
    assertThat(e.getBefore()).isNull();
  }

  @Test
  void aTruncateNamesItsTableAndIsNoRowChange() {
    final Struct truncate = new Struct(ENVELOPE).put("source", source("false")).put("op", "t");
    assertThat(ChangeEventConverter.truncatedTable(truncate)).isEqualTo("public.orders");
    assertThat(converter.change(null, truncate)).isNull();
    final Struct insert = new Struct(ENVELOPE).put("source", source("false")).put("op", "c");
    assertThat(ChangeEventConverter.truncatedTable(insert)).isNull();
  }

  @Test
  void snapshotReadAndDeleteAreRecognised() {
    final Struct read = new Struct(ENVELOPE).put("after", new Struct(ENVELOPE.field("after").schema())
        .put("order_id", (short) 1)).put("source", source("true")).put("op", "r");
    assertThat(converter.change(null, read).getSource().getSnapshot()).isTrue();
    assertThat(converter.change(null, read).getOp()).isEqualTo(ChangeOp.READ);

    final Struct delete = new Struct(ENVELOPE).put("before", new Struct(ENVELOPE.field("before").schema())
        .put("order_id", (short) 1)).put("source", source("false")).put("op", "d");
    final ChangeEvent e = converter.change(new Struct(KEY).put("order_id", (short) 1), delete);
    assertThat(e.getOp()).isEqualTo(ChangeOp.DELETE);
    assertThat(e.getAfter()).isNull();
    assertThat(e.getBefore()).containsExactly(new ColumnValue("order_id", 1, null));
  }

  @Test
  void aRowOfAnIncrementalSnapshotIsASnapshotRowMarkedIncremental() {
    final Struct chunkRow = new Struct(ENVELOPE).put("after", new Struct(ENVELOPE.field("after").schema())
        .put("order_id", (short) 1)).put("source", source("incremental")).put("op", "r");
    final ChangeEvent e = converter.change(null, chunkRow);
    assertThat(e.getSource().getSnapshot()).isTrue();
    assertThat(e.getSource().getIncremental()).isTrue();
    final Struct initial = new Struct(ENVELOPE).put("after", new Struct(ENVELOPE.field("after").schema())
        .put("order_id", (short) 1)).put("source", source("last")).put("op", "r");
    assertThat(converter.change(null, initial).getSource().getIncremental()).isFalse();
  }

  @Test
  void transactionEndCarriesPerTableCounts() {
    final Schema collection = SchemaBuilder.struct().field("data_collection", Schema.STRING_SCHEMA)
        .field("event_count", Schema.INT64_SCHEMA).build();
    final Schema schema = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
        .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
        .field("data_collections", SchemaBuilder.array(collection).optional().build())
        .field("ts_ms", Schema.INT64_SCHEMA).build();
    final Struct end = new Struct(schema).put("status", "END").put("id", "771:123000").put("event_count", 3L)
        .put("data_collections", List.of(
            new Struct(collection).put("data_collection", "public.orders").put("event_count", 1L),
            new Struct(collection).put("data_collection", "public.order_details").put("event_count", 2L)))
        .put("ts_ms", 5L);
    final TransactionMarker m = converter.transaction(end);
    assertThat(m.getStatus()).isEqualTo(TransactionStatus.END);
    assertThat(m.getTxId()).isEqualTo("771");
    assertThat(m.getCommitLsn()).isEqualTo(123000L);
    assertThat(m.getEventCount()).isEqualTo(3L);
    assertThat(m.getTableCounts()).containsEntry("public.orders", 1L).containsEntry("public.order_details", 2L);
  }

  @Test
  void recordsThatAreNotChangesAreIgnored() {
    final Schema heartbeat = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
    assertThat(converter.change(null, new Struct(heartbeat).put("ts_ms", 1L))).isNull();
  }
}
