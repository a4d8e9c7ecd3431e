package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetDialectTest {
  private static final List<String> COLUMNS = List.of("order_id", "product_id", "quantity");

  private static TargetTable lines() {
    final Map<String, Integer> types = new LinkedHashMap<>();
    types.put("order_id", Types.INTEGER);
    types.put("product_id", Types.INTEGER);
    types.put("quantity", Types.INTEGER);
    return new TargetTable("sales", "sales_order_line", types, List.of("order_id", "product_id"));
  }

  @Test
  void theUrlPicksTheDialectAndAnUnknownOneNamesTheSupportedOnes() {
    assertThat(TargetDialect.of("jdbc:postgresql://localhost/x")).isInstanceOf(PostgresDialect.class);
    assertThat(TargetDialect.of("jdbc:mariadb://localhost/x")).isInstanceOf(MariaDbDialect.class);
    assertThatThrownBy(() -> TargetDialect.of("jdbc:oracle:thin:@x"))
        .hasMessageContaining("jdbc:oracle:thin:@x").hasMessageContaining("jdbc:postgresql:")
        .hasMessageContaining("jdbc:mariadb:");
  }

  @Test
  void postgresUpsertsByPrimaryKeyAndWritesOnlyANewerVersion() {
    final List<TargetDialect.WriteStatement> s = new PostgresDialect().upsert(lines(), COLUMNS, "ferry_version");
    assertThat(s).hasSize(1);
    assertThat(s.get(0).sql()).isEqualTo("INSERT INTO \"sales\".\"sales_order_line\" AS t (\"order_id\", "
        + "\"product_id\", \"quantity\", \"ferry_version\") VALUES (?, ?, ?, ?) ON CONFLICT (\"order_id\", "
        + "\"product_id\") DO UPDATE SET \"quantity\" = EXCLUDED.\"quantity\", \"ferry_version\" = "
        + "EXCLUDED.\"ferry_version\" WHERE t.\"ferry_version\" < EXCLUDED.\"ferry_version\"");
    assertThat(s.get(0).parameters()).containsExactly("order_id", "product_id", "quantity", "ferry_version");
  }

  /** {@link #lines()} with a unique index besides its primary key. */
  private static TargetTable linesWithAnotherUniqueKey() {
    final TargetTable t = lines();
    return new TargetTable(t.schema(), t.name(), t.columnTypes(), t.key(), t.generated(), t.required(),
        t.typeNames(), t.scales(), true);
  }

  @Test
  void mariaDbUpdatesAnOlderRowByPrimaryKeyThenInsertsOnlyAMissingOneNeverThroughAnotherUniqueKey() {
    final List<TargetDialect.WriteStatement> s = new MariaDbDialect().upsert(linesWithAnotherUniqueKey(), COLUMNS,
        "ferry_version");
    assertThat(s).hasSize(2);
    assertThat(s.get(0).sql()).isEqualTo("UPDATE `sales`.`sales_order_line` SET `quantity` = ?, `ferry_version` = ? "
        + "WHERE `order_id` = ? AND `product_id` = ? AND `ferry_version` < ?");
    assertThat(s.get(0).parameters())
        .containsExactly("quantity", "ferry_version", "order_id", "product_id", "ferry_version");
    assertThat(s.get(1).sql()).isEqualTo("INSERT INTO `sales`.`sales_order_line` (`order_id`, `product_id`, "
        + "`quantity`, `ferry_version`) SELECT ?, ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM "
        + "`sales`.`sales_order_line` WHERE `order_id` = ? AND `product_id` = ?)");
    assertThat(s.get(1).parameters())
        .containsExactly("order_id", "product_id", "quantity", "ferry_version", "order_id", "product_id");
    assertThat(String.join(" ", s.get(0).sql(), s.get(1).sql())).doesNotContain("DUPLICATE");
  }

  @Test
  void mariaDbUpsertsInOneStatementWhereThePrimaryKeyIsTheOnlyUniqueKeySettingTheVersionLast() {
    final List<TargetDialect.WriteStatement> s = new MariaDbDialect().upsert(lines(), COLUMNS, "ferry_version");
    assertThat(s).hasSize(1);
    assertThat(s.get(0).sql()).isEqualTo("INSERT INTO `sales`.`sales_order_line` (`order_id`, `product_id`, "
        + "`quantity`, `ferry_version`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `quantity` = "
        + "IF(`ferry_version` < VALUES(`ferry_version`), VALUES(`quantity`), `quantity`), `ferry_version` = "
        + "IF(`ferry_version` < VALUES(`ferry_version`), VALUES(`ferry_version`), `ferry_version`)");
    assertThat(s.get(0).parameters()).containsExactly("order_id", "product_id", "quantity", "ferry_version");
    // many rows at once: the tuple repeated, the rest as for one
    assertThat(s.get(0).rows().sql(3)).isEqualTo("INSERT INTO `sales`.`sales_order_line` (`order_id`, `product_id`, "
        + "`quantity`, `ferry_version`) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
        + "`quantity` = IF(`ferry_version` < VALUES(`ferry_version`), VALUES(`quantity`), `quantity`), `ferry_version` = "
        + "IF(`ferry_version` < VALUES(`ferry_version`), VALUES(`ferry_version`), `ferry_version`)");
    // without the version column (versions kept beside the table, checked before): the new values, unguarded
    assertThat(new MariaDbDialect().upsert(lines(), COLUMNS, null).get(0).sql()).endsWith("ON DUPLICATE KEY UPDATE "
        + "`quantity` = VALUES(`quantity`)");
    // nothing but the key: an insert that leaves a row already there as it is
    assertThat(new MariaDbDialect().upsert(lines(), List.of("order_id", "product_id"), null).get(0).sql())
        .endsWith("ON DUPLICATE KEY UPDATE `order_id` = `order_id`");
  }

  @Test
  void deleteRemovesOnlyAnOlderRow() {
    final TargetDialect.WriteStatement d = new PostgresDialect().delete(lines(), "ferry_version");
    assertThat(d.sql()).isEqualTo("DELETE FROM \"sales\".\"sales_order_line\" "
        + "WHERE \"order_id\" = ? AND \"product_id\" = ? AND \"ferry_version\" < ?");
    assertThat(d.parameters()).containsExactly("order_id", "product_id", "ferry_version");
    assertThat(new MariaDbDialect().delete(lines(), "ferry_version").sql()).isEqualTo("DELETE FROM "
        + "`sales`.`sales_order_line` WHERE `order_id` = ? AND `product_id` = ? AND `ferry_version` < ?");
  }

  @Test
  void identifiersAreQuotedSafely() {
    assertThat(new PostgresDialect().quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
    assertThat(new MariaDbDialect().quote("we`ird")).isEqualTo("`we``ird`");
  }
}
