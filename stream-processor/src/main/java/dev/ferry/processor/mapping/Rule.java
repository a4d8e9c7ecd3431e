package dev.ferry.processor.mapping;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Severity;
import java.util.Map;

/**
 * A validation rule on a target row. An {@code ERROR} keeps the row out of the target and sends it to
 * the dead-letter topic; a {@code WARNING} lets it through and records it with the assumption made.
 *
 * @param id rule id as written, e.g. {@code quantity-positive}; appears on dead letters
 * @param field the target field it checks, or null for a rule over the whole row
 * @param check what is checked
 * @param severity ERROR or WARNING
 * @param message what a violation means, in the user's words; null for the check's own
 * @param resolution suggested fix
 * @param assume for a warning: what was assumed when the row was applied anyway
 * @param unique for a uniqueness rule, the fields forming the natural key; empty for any other rule
 */
public record Rule(String id, String field, Check check, Severity severity, String message, String resolution,
    String assume, java.util.List<String> unique) {

  public Rule {
    unique = unique == null ? java.util.List.of() : java.util.List.copyOf(unique);
  }

  /** A check: null when the value passes, else what is wrong with it. */
  @FunctionalInterface
  public interface Check {
    /**
     * @param value the field's target value (null for a row rule)
     * @param row the whole target row as plain values, for expressions
     */
    String violation(ColumnValue value, Map<String, Object> row);
  }
}
