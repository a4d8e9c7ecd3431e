package dev.ferry.processor.mapping;

import java.util.List;
import java.util.Optional;

/**
 * How one source table becomes one target table.
 *
 * @param sourceTable {@code schema.table} in the legacy database
 * @param targetTable target table name
 * @param columns mapped columns; source columns not listed are not copied
 */
public record TableMapping(String sourceTable, String targetTable, List<ColumnMapping> columns) {

  public TableMapping {
    columns = List.copyOf(columns);
  }

  /** The mapping of source column {@code source}, if it is mapped. */
  public Optional<ColumnMapping> column(final String source) {
    return columns.stream().filter(c -> c.source().equals(source)).findFirst();
  }
}
