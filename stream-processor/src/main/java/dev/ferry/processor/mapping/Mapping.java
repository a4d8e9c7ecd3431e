package dev.ferry.processor.mapping;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The migration specification: lookups, and which source tables become which target tables, field by
 * field, with their validation rules. Loaded and checked by {@link MappingFile}.
 *
 * @param version the mapping's version as written in the file; recorded on dead letters
 * @param lookups code tables by name
 * @param tables one entry per source table
 */
public record Mapping(String version, Map<String, Lookup> lookups, List<TableMapping> tables) {

  public Mapping {
    lookups = Map.copyOf(lookups);
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
