package dev.ferry.processor.mapping;

import java.util.List;
import java.util.Optional;

/**
 * The migration specification: which source tables become which target tables, column by column.
 * Loaded and checked by {@link MappingFile}.
 *
 * @param version the mapping's version as written in the file; recorded on dead letters
 * @param tables one entry per source table
 */
public record Mapping(String version, List<TableMapping> tables) {

  public Mapping {
    tables = List.copyOf(tables);
  }

  /** The mapping of source table {@code schema.table}, if any. */
  public Optional<TableMapping> forSource(final String qualifiedTable) {
    return tables.stream().filter(t -> t.sourceTable().equals(qualifiedTable)).findFirst();
  }

  /** All source tables, {@code schema.table}. */
  public List<String> sourceTables() {
    return tables.stream().map(TableMapping::sourceTable).toList();
  }
}
