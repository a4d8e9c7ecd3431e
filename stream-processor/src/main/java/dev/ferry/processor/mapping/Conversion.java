package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;

/** Turns one source column value into the target column's value. Pure; may throw {@link ConversionException}. */
@FunctionalInterface
public interface Conversion {
  /**
   * @param in the source value (never null; its {@code value} may be null for SQL NULL)
   * @param targetName the target column name to give the result
   */
  ColumnValue apply(ColumnValue in, String targetName);

  /** Copies the value unchanged under the target name. */
  Conversion AS_IS = (in, name) -> new ColumnValue(name, in.getValue(), in.getLogical());

  /**
   * A step that protects personal data ({@code pii: mask} or {@code pseudonymize} in a non-production run): what
   * may be shown of the field's value anywhere else (a dead letter, a log line) goes through it too.
   */
  interface Protecting extends Conversion {
  }
}
