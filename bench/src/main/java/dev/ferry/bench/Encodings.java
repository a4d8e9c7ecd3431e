package dev.ferry.bench;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/** One change in each sink's own input format: a Ferry apply record, and a Debezium envelope as JSON with schemas. */
final class Encodings {
  private static final Schema KEY = SchemaBuilder.struct().name("bench.public.order_details.Key")
      .field("order_id", Schema.INT32_SCHEMA).field("product_id", Schema.INT32_SCHEMA).build();
  private static final Schema ROW = SchemaBuilder.struct().name("bench.public.order_details.Value").optional()
      .field("order_id", Schema.INT32_SCHEMA).field("product_id", Schema.INT32_SCHEMA)
      .field("unit_price", Decimal.builder(2).optional().build())
      .field("quantity", Schema.OPTIONAL_INT32_SCHEMA)
      .field("discount", Decimal.builder(2).optional().build()).build();
  private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
      .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
      .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
      .field("db", Schema.STRING_SCHEMA).field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
      .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();
  private static final Schema ENVELOPE = SchemaBuilder.struct().name("bench.public.order_details.Envelope")
      .field("before", ROW).field("after", ROW).field("source", SOURCE)
      .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();

  private final JsonConverter keys = new JsonConverter();
  private final JsonConverter values = new JsonConverter();

  Encodings() {
    keys.configure(Map.of("schemas.enable", "true"), true);
    values.configure(Map.of("schemas.enable", "true", "decimal.format", "BASE64"), false);
  }

  static ApplyRecord ferry(final Workload.Change c) {
    final List<ColumnValue> key = List.of(Columns.of("order_id", c.orderId()), Columns.of("product_id", c.productId()));
    return ApplyRecord.newBuilder().setTable("order_line").setOp(c.delete() ? ApplyOp.DELETE : ApplyOp.UPSERT)
        .setKey(key)
        .setRow(c.delete() ? null : List.of(Columns.of("order_id", c.orderId()), Columns.of("product_id", c.productId()),
            Columns.of("unit_price", c.unitPrice().toPlainString(), "decimal"), Columns.of("quantity", c.quantity()),
            Columns.of("discount", c.discount().toPlainString(), "decimal")))
        .setVersion(c.version()).setSourceTable("public.order_details").setSourceTsMs(0L).build();
  }

  byte[] debeziumKey(final String topic, final Workload.Change c) {
    return keys.fromConnectData(topic, KEY, new Struct(KEY).put("order_id", c.orderId())
        .put("product_id", c.productId()));
  }

  byte[] debeziumValue(final String topic, final Workload.Change c) {
    final Struct row = new Struct(ROW).put("order_id", c.orderId()).put("product_id", c.productId());
    if (!c.delete()) {
      row.put("unit_price", c.unitPrice()).put("quantity", c.quantity()).put("discount", c.discount());
    }
    final Struct source = new Struct(SOURCE).put("version", "3.5.0.Final").put("connector", "postgresql")
        .put("name", "bench").put("ts_ms", 0L).put("db", "northwind").put("schema", "public")
        .put("table", "order_details").put("lsn", c.version());
    final Struct envelope = new Struct(ENVELOPE).put("source", source).put("op", c.delete() ? "d" : "u")
        .put("ts_ms", 0L);
    envelope.put(c.delete() ? "before" : "after", row);
    return values.fromConnectData(topic, ENVELOPE, envelope);
  }
}
