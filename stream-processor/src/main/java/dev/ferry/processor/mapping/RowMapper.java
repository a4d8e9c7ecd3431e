package dev.ferry.processor.mapping;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.RowVersion;
import dev.ferry.schemas.SourcePosition;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a {@link TableMapping} to one change: renames and converts columns, maps the key, and
 * computes the partition key. Pure and thread-safe.
 */
public final class RowMapper {
  private final Mapping mapping;

  public RowMapper(final Mapping mapping) {
    this.mapping = mapping;
  }

  /**
   * The mapped row, or null when the change's table is not mapped.
   *
   * @throws ConversionException when a value cannot be converted
   */
  public ApplyRecord map(final ChangeEvent change) {
    final SourcePosition src = change.getSource();
    final String sourceTable = src.getSchema$() + "." + src.getTable();
    final TableMapping table = mapping.forSource(sourceTable).orElse(null);
    if (table == null) {
      return null;
    }
    final List<ColumnValue> key = convert(table, change.getKey());
    final boolean delete = change.getOp() == ChangeOp.DELETE;
    final List<ColumnValue> row = delete ? null : convert(table, change.getAfter());
    final ApplyRecord record = ApplyRecord.newBuilder()
        .setTable(table.targetTable())
        .setOp(delete ? ApplyOp.DELETE : ApplyOp.UPSERT)
        .setKey(key)
        .setRow(row)
        .setVersion(RowVersion.of(src))
        .setSourceTable(sourceTable)
        .setSourceTxId(src.getTxId())
        .setSourceTsMs(src.getTsMs())
        .build();
    return record;
  }

  private static List<ColumnValue> convert(final TableMapping table, final List<ColumnValue> source) {
    final List<ColumnValue> out = new ArrayList<>(source.size());
    for (final ColumnValue in : source) {
      table.column(in.getName()).ifPresent(c -> out.add(c.conversion().apply(in, c.target())));
    }
    return out;
  }
}
