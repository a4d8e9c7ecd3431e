package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import org.junit.jupiter.api.Test;

class MappingFileTest {
  @Test
  void readsRenamesConversionsAndPartitionKey() {
    final Mapping m = MappingFile.parse("""
        version: "7"
        tables:
          - source: public.order_details
            target: sales_order_line
            columns:
              order_id: order_id
              unit_price: {target: price, type: decimal, scale: 2}
        """, "m.yaml");
    assertThat(m.version()).isEqualTo("7");
    final TableMapping t = m.forSource("public.order_details").orElseThrow();
    assertThat(t.targetTable()).isEqualTo("sales_order_line");
    assertThat(t.column("unit_price").orElseThrow().target()).isEqualTo("price");
    assertThat(t.column("unit_price").orElseThrow().description()).isEqualTo("decimal");
  }

  @Test
  void reportsEveryMistakeAtOnceByItsPath() {
    final String yaml = """
        tables:
          - source: orders
            target: sales_order
            partition-by: order_no
            columns:
              order_id: {target: id, type: money}
              freight: {target: freight, type: decimal}
              ship_name: {target: ship_name, trimm: true}
        """;
    assertThatThrownBy(() -> MappingFile.parse(yaml, "m.yaml"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                "tables[0].source",
                "tables[0].columns.order_id.type",
                "tables[0].columns.freight.scale",
                "tables[0].columns.ship_name.trimm",
                "tables[0].partition-by"));
  }
}
