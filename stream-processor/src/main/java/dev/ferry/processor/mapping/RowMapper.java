package dev.ferry.processor.mapping;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.RowVersion;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.SourcePosition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link TableMapping} to one change: computes the target fields, the target key, and checks
 * the rules. Every failing field and rule of a row is reported, not just the first. Pure and
 * thread-safe.
 *
 * <p>A row the table's filter excludes becomes a delete of its key: the target holds the filtered view
 * of the source, also when an update moves a row out of the filter.
 */
public final class RowMapper {
  private final Mapping mapping;

  public RowMapper(final Mapping mapping) {
    this.mapping = mapping;
  }

  /** How legacy table {@code sourceTable} ({@code schema.table}) is mapped; empty when it is not. */
  public java.util.Optional<TableMapping> tableOf(final String sourceTable) {
    return mapping.forSource(sourceTable);
  }

  /**
   * The outcome of mapping one change.
   *
   * @param record the row for the target; null when the change's table is not mapped or an error keeps it out
   * @param errors hard failures; non-empty means the row is not applied
   * @param warnings soft failures; the row is applied with the stated assumption
   */
  public record Mapped(ApplyRecord record, List<RecordError> errors, List<RecordError> warnings) {
  }

  /**
   * Maps {@code change} without uniqueness state, as a change committed at its own position; null when its table is
   * not in the mapping.
   */
  public Mapped map(final ChangeEvent change) {
    return map(change, NaturalKeys.NONE, change.getSource().getLsn());
  }

  /**
   * Maps {@code change}, a change of a transaction committed at {@code commitPosition} (which versions the row,
   * {@link RowVersion}), checking {@code unique} rules against {@code naturalKeys} and updating it for rows that are
   * applied; null when the change's table is not in the mapping.
   */
  public Mapped map(final ChangeEvent change, final NaturalKeys naturalKeys, final long commitPosition) {
    final SourcePosition src = change.getSource();
    final String sourceTable = src.getSchema$() + "." + src.getTable();
    final TableMapping table = mapping.forSource(sourceTable).orElse(null);
    if (table == null) {
      return null;
    }
    final List<RecordError> errors = new ArrayList<>();
    final List<RecordError> warnings = new ArrayList<>();
    if (change.getOp() != ChangeOp.CREATE && change.getOp() != ChangeOp.READ
        && LegacyPosition.isPosition(change.getKey())) {
      return new Mapped(null, List.of(appendOnlyChange(change, sourceTable)), warnings);
    }
    final List<ColumnValue> key = keyOf(table, change.getKey(), errors);
    if (key.isEmpty() && errors.isEmpty()) {
      // without a key the sink cannot tell this row from any other of its table: refused, never written keyless
      errors.add(new RecordError("map.key", null, Columns.keyText(change.getKey()), change.getKey().isEmpty()
          ? "the change of " + sourceTable + " carries no key: the legacy table has no primary key"
          : "no target field of " + table.targetTable() + " is computed from the legacy key "
              + Columns.keyText(change.getKey()) + " alone, so the target row has no key",
          change.getKey().isEmpty() ? "declare a primary key on the legacy table (or make a unique index on NOT NULL "
              + "columns its replica identity: REPLICA IDENTITY USING INDEX), restart the connector, then replay this "
              + "dead letter"
              : "map the target's key columns from the legacy key (ferry check names them), then replay",
          Severity.ERROR));
    }
    boolean delete = change.getOp() == ChangeOp.DELETE;
    if (!delete && table.filter() != null && !table.filter().test(RowValues.of(change.getAfter()))) {
      delete = true;
    }
    List<ColumnValue> row = null;
    if (!delete) {
      final Set<String> present = new HashSet<>();
      change.getAfter().forEach(c -> present.add(c.getName()));
      row = new ArrayList<>(table.columns().size());
      for (final ColumnMapping field : table.columns()) {
        if (!present.containsAll(field.source().columns())) {
          final String gone = missingColumn(field, present, change.getUnchanged());
          if (gone != null) {
            errors.add(new RecordError("ddl.column-missing", field.target(), gone, "column " + gone + ", which "
                + field.description() + " reads, is not in this change of " + sourceTable + ": it was dropped or "
                + "renamed in the legacy database, and writing the row without it would leave "
                + table.targetTable() + "." + field.target() + " wrong", "make the mapping follow the legacy "
                + "schema (or restore the column), restart the processor, then replay this dead letter",
                Severity.ERROR));
          }
          // a column the source did not send because it did not change (an unchanged TOASTed value) leaves its
          // fields out: the target keeps what it has, rather than getting NULL
          continue;
        }
        final ColumnValue v = field(field, change.getAfter(), errors);
        if (v != null) {
          row.add(v);
        }
      }
      if (errors.isEmpty()) {
        check(table, row, errors, warnings);
        checkUnique(table, row, Columns.keyText(key), naturalKeys, errors, warnings);
      }
    }
    if (!errors.isEmpty()) {
      return new Mapped(null, errors, warnings);
    }
    for (final Rule rule : table.rules()) {
      if (rule.unique().isEmpty()) {
        continue;
      }
      if (delete) {
        naturalKeys.release(table.targetTable(), rule.id(), Columns.keyText(key));
      } else if (warnings.stream().noneMatch(w -> w.getRule().equals(rule.id()))) {
        naturalKeys.claim(table.targetTable(), rule.id(), naturalValue(rule, row), Columns.keyText(key));
      }
    }
    // the constructor, not Avro's builder: the builder deep-copies the schema's defaults of the fields left unset
    // (the group's, set by the caller) for every row, a measurable share of the processor's time in a migration
    final ApplyRecord record = new ApplyRecord(table.targetTable(), delete ? ApplyOp.DELETE : ApplyOp.UPSERT, key,
        row, RowVersion.of(src, commitPosition), sourceTable, src.getTxId(), src.getTsMs(), null, 1, 0, null);
    return new Mapped(record, errors, warnings);
  }

  /**
   * An update or delete of an append-only table ({@link LegacyPosition}): it carries the row's old values, not the
   * position the target row is keyed by, and with equal rows allowed the values cannot name one either.
   */
  private static RecordError appendOnlyChange(final ChangeEvent change, final String sourceTable) {
    final String op = change.getOp() == ChangeOp.DELETE ? "a DELETE" : "an UPDATE";
    return new RecordError("map.append-only", null, Columns.keyText(change.getKey()), op.substring(op.indexOf(' ') + 1)
        + " of " + sourceTable + ", which legacy.append-only declares append-only: its rows are keyed by where they "
        + "were inserted, and " + op + " names none of them (it carries the old values, which equal rows may share), "
        + "so it is not applied",
        "apply it to the target by hand if the new system needs it (the dead letter holds the row before and after), "
        + "or give the legacy table a primary key, take it out of legacy.append-only and re-sync it", Severity.ERROR);
  }

  /**
   * The first column {@code field} reads that the change lacks without saying it is unchanged (a dropped or renamed
   * legacy column), or null when every missing one is an unchanged value the source did not send.
   */
  private static String missingColumn(final ColumnMapping field, final Set<String> present,
      final List<String> unchanged) {
    for (final String c : field.source().columns()) {
      if (!present.contains(c) && !unchanged.contains(c)) {
        return c;
      }
    }
    return null;
  }

  /** The fields computable from the source key alone: the target key, the same for upserts and deletes. */
  private static List<ColumnValue> keyOf(final TableMapping table, final List<ColumnValue> key,
      final List<RecordError> errors) {
    final Set<String> keyColumns = new HashSet<>();
    key.forEach(c -> keyColumns.add(c.getName()));
    final List<ColumnValue> out = new ArrayList<>();
    for (final ColumnMapping field : table.columns()) {
      final List<String> reads = field.source().columns();
      if (!reads.isEmpty() && keyColumns.containsAll(reads)) {
        final ColumnValue v = field(field, key, errors);
        if (v != null) {
          out.add(v);
        }
      }
    }
    return out;
  }

  private static ColumnValue field(final ColumnMapping field, final List<ColumnValue> row,
      final List<RecordError> errors) {
    try {
      return field.apply(row);
    } catch (ConversionException e) {
      final ColumnValue raw = field.sourceColumn() == null ? null : Columns.find(row, field.sourceColumn());
      // a field whose personal data this run protects shows it protected in the letter and its message too
      final String text = RowValues.text(raw);
      final String shown = field.shown(raw);
      final String message = text != null && !text.equals(shown) && !text.isEmpty()
          ? e.getMessage().replace(text, String.valueOf(shown)) : e.getMessage();
      errors.add(new RecordError(e.rule(), field.target(), shown, message, e.resolution(), Severity.ERROR));
      return null;
    }
  }

  private static String naturalValue(final Rule rule, final List<ColumnValue> row) {
    final List<ColumnValue> values = new ArrayList<>();
    for (final String f : rule.unique()) {
      final ColumnValue v = Columns.find(row, f);
      values.add(v != null ? v : new ColumnValue(f, null, null));
    }
    return Columns.keyText(values);
  }

  private static void checkUnique(final TableMapping table, final List<ColumnValue> row, final String key,
      final NaturalKeys naturalKeys, final List<RecordError> errors, final List<RecordError> warnings) {
    for (final Rule rule : table.rules()) {
      if (rule.unique().isEmpty()) {
        continue;
      }
      final String value = naturalValue(rule, row);
      final String owner = naturalKeys.owner(table.targetTable(), rule.id(), value);
      if (owner == null || owner.equals(key)) {
        continue;
      }
      final String message = (rule.message() != null ? rule.message() + ": " : "") + String.join(", ", rule.unique())
          + " '" + value + "' already belongs to the row with key " + owner
          + (rule.severity() == Severity.WARNING && rule.assume() != null ? "; assumed: " + rule.assume() : "");
      final RecordError e = new RecordError(rule.id(), String.join(",", rule.unique()), value, message,
          rule.resolution() != null ? rule.resolution() : "merge the duplicates in the legacy database, or change "
              + "one of them", rule.severity());
      (rule.severity() == Severity.WARNING ? warnings : errors).add(e);
    }
  }

  private static void check(final TableMapping table, final List<ColumnValue> row, final List<RecordError> errors,
      final List<RecordError> warnings) {
    if (table.rules().isEmpty()) {
      return;
    }
    // only expression rules read the whole row: build it (every value parsed) when one asks, not per row
    final Map<String, Object> plain = new java.util.AbstractMap<>() {
      private Map<String, Object> values;

      @Override
      public java.util.Set<Map.Entry<String, Object>> entrySet() {
        if (values == null) {
          values = RowValues.of(row);
        }
        return values.entrySet();
      }
    };
    for (final Rule rule : table.rules()) {
      if (!rule.unique().isEmpty() || rule.field() != null && Columns.find(row, rule.field()) == null) {
        continue;
      }
      final ColumnValue value = rule.field() == null ? null : Columns.find(row, rule.field());
      final String violation;
      try {
        violation = rule.check().violation(value, plain);
      } catch (ConversionException e) {
        errors.add(new RecordError(rule.id(), rule.field(), RowValues.text(value), e.getMessage(), e.resolution(),
            Severity.ERROR));
        continue;
      }
      if (violation == null) {
        continue;
      }
      final String subject = rule.field() == null ? "the row" : rule.field();
      final String message = (rule.message() != null ? rule.message() + ": " : "") + subject + " " + violation
          + (rule.severity() == Severity.WARNING && rule.assume() != null ? "; assumed: " + rule.assume() : "");
      final RecordError e = new RecordError(rule.id(), rule.field(), RowValues.text(value), message,
          rule.resolution() != null ? rule.resolution() : "correct the value in the legacy database", rule.severity());
      (rule.severity() == Severity.WARNING ? warnings : errors).add(e);
    }
  }
}
