package dev.ferry.processor.mapping;

import dev.ferry.schemas.LegacyPosition;
import java.util.List;

/**
 * How one source table becomes one target table.
 *
 * @param sourceTable {@code schema.table} in the legacy database
 * @param targetTable target table name
 * @param filter rows for which this is false are not synced (and removed from the target); null: all rows
 * @param columns target fields; source columns no field reads are not copied
 * @param rules validation rules on the target row
 * @param origin {@code file:line} where the table mapping starts
 */
public record TableMapping(String sourceTable, String targetTable, Expression filter, List<ColumnMapping> columns,
    List<Rule> rules, String origin) {

  public TableMapping {
    columns = List.copyOf(columns);
    rules = List.copyOf(rules);
  }

  /**
   * Whether a field reads the position an append-only legacy table's rows are keyed by ({@link LegacyPosition}):
   * what a reader of the legacy table itself (the audit, reconcile) does not find there.
   */
  public boolean readsPosition() {
    return columns.stream().anyMatch(f -> f.source().columns().contains(LegacyPosition.COLUMN));
  }
}
