package dev.ferry.processor.mapping;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
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
   * @throws ConversionException when a value cannot be converted or the partition key is missing
   */
  public Mapped map(final ChangeEvent change) {
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
    return new Mapped(partitionKey(table, change), record);
  }

  private static String partitionKey(final TableMapping table, final ChangeEvent change) {
    if (table.partitionBy() == null) {
      return Columns.keyText(change.getKey());
    }
    ColumnValue v = Columns.find(change.getKey(), table.partitionBy());
    if (v == null) {
      v = Columns.find(change.getAfter() != null ? change.getAfter() : change.getBefore(), table.partitionBy());
    }
    if (v == null) {
      throw new ConversionException("map.partition-by", "the change carries no value for partition-by column '"
          + table.partitionBy() + "' (a delete carries only the primary key)",
          "make the column part of the primary key, or set REPLICA IDENTITY FULL on " + table.sourceTable());
    }
    return String.valueOf(v.getValue());
  }

  private static List<ColumnValue> convert(final TableMapping table, final List<ColumnValue> source) {
    final List<ColumnValue> out = new ArrayList<>(source.size());
    for (final ColumnValue in : source) {
      table.column(in.getName()).ifPresent(c -> out.add(c.conversion().apply(in, c.target())));
    }
    return out;
  }

  /**
   * A mapped change.
   *
   * @param partitionKey the apply topic key: header key for header/detail tables, else the row key
   * @param record the row for the sink
   */
  public record Mapped(String partitionKey, ApplyRecord record) {
  }
}
