package dev.ferry.processor;

import dev.ferry.ops.TaggedCounts;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the mapping did with each legacy table's rows, per rule (Prometheus: {@code ferry_processor_rows_mapped_total}
 * per {@code table}; {@code ferry_processor_rows_refused_total} and {@code ferry_processor_rows_warned_total} per
 * {@code table} and {@code rule}). The table is the legacy one the row came from. A row that broke several rules
 * counts under each; a row refused only because its group was ({@value DeadLetters#GROUP_REFUSED}) counts under that
 * rule alone. Counted in this process since it started: a task that reprocesses records after a failure counts them
 * again, as Kafka Streams' own counters do.
 */
public final class MappingCounts implements MeterBinder {
  private final TaggedCounts mapped;
  private final TaggedCounts refused;
  private final TaggedCounts warned;

  public MappingCounts(final String applicationId) {
    final Tags tags = Tags.of("application", applicationId);
    mapped = new TaggedCounts("ferry.processor.rows.mapped", "Rows mapped and sent to the sink, per legacy table",
        tags, "table");
    refused = new TaggedCounts("ferry.processor.rows.refused", "Rows sent to the dead-letter topic instead of the "
        + "sink, per legacy table and rule", tags, "table", "rule");
    warned = new TaggedCounts("ferry.processor.rows.warned", "Rows sent to the sink with a warning (also on the "
        + "dead-letter topic), per legacy table and rule", tags, "table", "rule");
  }

  void mapped(final String table) {
    mapped.add(1, table);
  }

  /** Counts a dead letter of {@code table}'s row with {@code errors}: refused when any is an error, else warned. */
  void lettered(final String table, final List<RecordError> errors) {
    final boolean applied = errors.stream().allMatch(x -> x.getSeverity() == Severity.WARNING);
    if (!applied && DeadLetters.GROUP_REFUSED.equals(errors.get(0).getRule())) {
      refused.add(1, table, DeadLetters.GROUP_REFUSED);
      return;
    }
    final Set<String> rules = new LinkedHashSet<>();
    errors.stream().filter(x -> applied || x.getSeverity() == Severity.ERROR).forEach(x -> rules.add(x.getRule()));
    for (final String rule : rules) {
      (applied ? warned : refused).add(1, table, rule);
    }
  }

  /** Rows of {@code table} mapped so far. */
  public long mappedRows(final String table) {
    return mapped.count(table);
  }

  /** Rows of {@code table} refused under {@code rule} so far. */
  public long refusedRows(final String table, final String rule) {
    return refused.count(table, rule);
  }

  /** Rows of {@code table} applied with a warning of {@code rule} so far. */
  public long warnedRows(final String table, final String rule) {
    return warned.count(table, rule);
  }

  @Override
  public void bindTo(final MeterRegistry registry) {
    mapped.bindTo(registry);
    refused.bindTo(registry);
    warned.bindTo(registry);
  }
}
