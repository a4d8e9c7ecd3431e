package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import java.util.List;

/**
 * One target field: where its value comes from, and the steps that turn it into the target value
 * (null handling, type conversion, lookup, default, privacy), applied in that order.
 *
 * @param target target column name
 * @param source where the raw value comes from
 * @param steps conversions applied in order
 * @param description the field's path in the mapping file, for messages
 * @param type the declared type ({@code as-is}, {@code decimal}, {@code date}, ...)
 * @param origin {@code file:line} where the field is declared
 */
public record ColumnMapping(String target, FieldSource source, List<Conversion> steps, String description,
    String type, String origin) {

  public ColumnMapping {
    steps = List.copyOf(steps);
  }

  /** The target value for {@code row}; @throws ConversionException naming the problem */
  public ColumnValue apply(final List<ColumnValue> row) {
    ColumnValue v = source.read(row);
    if (PersonalData.PROTECTED.equals(v.getLogical())) {
      // replayed from a dead letter that carried it protected (PersonalData): it is the target value already
      if (protecting()) {
        return new ColumnValue(target, v.getValue(), null);
      }
      v = new ColumnValue(v.getName(), v.getValue(), null);
    }
    final ColumnValue raw = v;
    for (final Conversion step : steps) {
      v = step.apply(v, raw.getName());
    }
    return new ColumnValue(target, v.getValue(), v.getLogical());
  }

  /**
   * What may be shown of {@code raw}, a source value of this field, in a dead letter or a log line: the value
   * itself, or, for a field whose personal data is protected in this run, the value as that protection turns it.
   */
  public String shown(final ColumnValue raw) {
    return raw == null ? null : RowValues.text(protectedForm(raw));
  }

  /** True when this run protects this field's personal data (a mask or pseudonym step). */
  public boolean protecting() {
    return steps.stream().anyMatch(s -> s instanceof Conversion.Protecting);
  }

  /** {@code raw}, a source value of this field, protected as this run protects the field; its value otherwise. */
  Object protect(final ColumnValue raw) {
    return protectedForm(raw).getValue();
  }

  /** {@code raw} through this field's protection step, or {@code raw} itself when it has none. */
  private ColumnValue protectedForm(final ColumnValue raw) {
    for (final Conversion step : steps) {
      if (step instanceof Conversion.Protecting p) {
        return p.apply(raw, target);
      }
    }
    return raw;
  }

  /** The single source column this field copies, or null when it derives its value otherwise. */
  public String sourceColumn() {
    return source instanceof FieldSource.FromColumn f ? f.column() : null;
  }
}
