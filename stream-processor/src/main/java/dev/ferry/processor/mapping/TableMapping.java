package dev.ferry.processor.mapping;

import java.util.List;
import java.util.Optional;

/**
 * How one source table becomes one target table.
 *
 * @param sourceTable {@code schema.table} in the legacy database
 * @param targetTable target table name
 * @param partitionBy source column whose value keys the apply topic; a header and its details name
 *     the same value (e.g. {@code order_id}) so they share a partition and stay in order. Must be in
 *     the source primary key, or the source table needs {@code REPLICA IDENTITY FULL}, because a
 *     delete carries only the key.
 * @param columns mapped columns; source columns not listed are not copied
 */
public record TableMapping(String sourceTable, String targetTable, String partitionBy, List<ColumnMapping> columns) {

  public TableMapping {
    columns = List.copyOf(columns);
  }

  /** The mapping of source column {@code source}, if it is mapped. */
  public Optional<ColumnMapping> column(final String source) {
    return columns.stream().filter(c -> c.source().equals(source)).findFirst();
  }
}
