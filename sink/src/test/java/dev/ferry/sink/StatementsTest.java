package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatementsTest {
  private static TargetTable lines() {
    final Map<String, Integer> types = new LinkedHashMap<>();
    types.put("order_id", Types.INTEGER);
    types.put("product_id", Types.INTEGER);
    types.put("quantity", Types.INTEGER);
    return new TargetTable("public", "sales_order_line", types, List.of("order_id", "product_id"));
  }

  @Test
  void upsertWritesOnlyANewerVersion() {
    assertThat(UpsertStatement.sql(lines(), List.of("order_id", "product_id", "quantity"), "ferry_version"))
        .isEqualTo("INSERT INTO \"public\".\"sales_order_line\" AS t (\"order_id\", \"product_id\", \"quantity\", "
            + "\"ferry_version\") VALUES (?, ?, ?, ?) ON CONFLICT (\"order_id\", \"product_id\") DO UPDATE SET "
            + "\"quantity\" = EXCLUDED.\"quantity\", \"ferry_version\" = EXCLUDED.\"ferry_version\" "
            + "WHERE t.\"ferry_version\" < EXCLUDED.\"ferry_version\"");
  }

  @Test
  void deleteRemovesOnlyAnOlderRow() {
    assertThat(DeleteStatement.sql(lines(), "ferry_version")).isEqualTo("DELETE FROM \"public\".\"sales_order_line\" "
        + "WHERE \"order_id\" = ? AND \"product_id\" = ? AND \"ferry_version\" < ?");
  }

  @Test
  void identifiersAreQuotedSafely() {
    assertThat(Sql.quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
  }
}
