package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.PackedApplyRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * A record whose key does not give every column of the target table's key ({@link dev.ferry.schemas.TableKey}: its
 * primary key, or what stands for it) a value. The sink never writes one: rows are told apart, collapsed within a
 * batch and deleted by their key, so an empty key would merge every such row of a batch into one, and a partial one
 * would merge rows that differ only in the missing column, with no trace. It goes to the dead-letter topic (rule {@code sink.key}) instead.
 * {@code ferry check} refuses the mappings that lead here; this is the last line.
 */
final class IncompleteKey extends SinkRefusal {
  private static final long serialVersionUID = 1L;

  private IncompleteKey(final String message) {
    super(message, null);
  }

  @Override
  String rule() {
    return "sink.key";
  }

  @Override
  String resolution() {
    return "map every column of the target's key from the legacy key (ferry check names them), then replay "
        + "this dead letter";
  }

  /** Why {@code a}'s key is not a full key of {@code table}, or null when it is. */
  static IncompleteKey of(final PackedApplyRecord a, final TargetTable table) {
    final List<String> missing = new ArrayList<>();
    for (final String column : table.key()) {
      final ColumnValue v = Columns.find(a.key(), column);
      if (v == null || v.getValue() == null) {
        missing.add(column);
      }
    }
    if (missing.isEmpty()) {
      return null;
    }
    return new IncompleteKey((a.key().isEmpty() ? "the row has no key" : "the row's key "
        + Columns.keyText(a.key()) + " has no value for " + missing) + ", and " + table.name() + "'s key is "
        + table.key() + ": rows without a full key cannot be told apart, so it is not written");
  }
}
