package dev.ferry.audit;

import dev.ferry.connector.LegacyRows;
import dev.ferry.history.Progress;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RecordError;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mapping run over every row of a legacy table, writing nothing: how many rows it would refuse (errors) or
 * apply with a warning, per rule, with a few examples each (legacy key, field, value, suggested resolution). Each
 * row is read as the capture sends it ({@link LegacyRows}) and mapped as the processor maps it ({@link RowMapper}),
 * so the counts are what the sync will do. Uniqueness rules are not checked here (they need the state the processor
 * keeps); the profile counts duplicates of their keys.
 */
final class DryRun {
  private static final int EXAMPLES = 5;

  /** One rule's outcome over the table. */
  static final class RuleCount {
    final String severity;
    long rows;
    final List<Map<String, String>> examples = new ArrayList<>();

    RuleCount(final String severity) {
      this.severity = severity;
    }
  }

  final String table;
  long rows;
  long refused;
  long warned;
  long filteredOut;
  final Map<String, RuleCount> byRule = new TreeMap<>();

  private DryRun(final String table) {
    this.table = table;
  }

  /** Maps every row of {@code table}; {@code progress} advances by one per row. */
  static DryRun of(final Connection legacy, final String table, final RowMapper mapper, final Progress.Task progress)
      throws Exception {
    final DryRun d = new DryRun(table);
    // an append-only table's rows are keyed by their position, which the capture adds: here each row's number
    final boolean positioned = mapper.tableOf(table).map(TableMapping::readsPosition).orElse(false);
    LegacyRows.scan(legacy, table, null, change -> {
      d.rows++;
      progress.advance(1);
      if (positioned && change.getKey().isEmpty()) {
        LegacyPosition.keyed(change, "row " + d.rows);
      }
      final RowMapper.Mapped m = mapper.map(change);
      if (m == null) {
        return;
      }
      if (m.record() == null) {
        d.refused++;
      } else if (m.record().getOp() == ApplyOp.DELETE) {
        d.filteredOut++;
      }
      if (!m.warnings().isEmpty() && m.record() != null) {
        d.warned++;
      }
      final String key = Columns.keyText(change.getKey());
      m.errors().forEach(e -> d.count(e, "error", key));
      m.warnings().forEach(e -> d.count(e, "warning", key));
    });
    return d;
  }

  private void count(final RecordError e, final String severity, final String key) {
    final RuleCount c = byRule.computeIfAbsent(e.getRule(), r -> new RuleCount(severity));
    c.rows++;
    if (c.examples.size() < EXAMPLES) {
      final Map<String, String> example = new TreeMap<>();
      example.put("key", key);
      example.put("field", e.getField());
      example.put("value", e.getValue());
      example.put("message", e.getMessage());
      example.put("resolution", e.getResolution());
      c.examples.add(example);
    }
  }
}
