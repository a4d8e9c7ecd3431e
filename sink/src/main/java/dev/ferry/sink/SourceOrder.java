package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.PackedApplyRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch's changes one by one, in the order they came, for the one refusal their collapse ({@link NewestPerRow})
 * causes: a unique value moved between rows through an intermediate value over several legacy transactions. Two
 * invoices that swap their numbers ({@code A -> tmp}, {@code B -> A's}, {@code A -> B's}): each transaction passed the
 * legacy database's unique constraint, but in one batch the rows' newest versions clash whichever is written first,
 * so the collapsed batch would be refused, parked and dead-lettered. Written change by change they pass the target's
 * constraint as they passed the legacy one. (The changes of one transaction come as each row's final state already,
 * the processor's {@code FinalStates}: a swap inside one transaction is not helped here.)
 *
 * <p>A row's changes share a partition, so the batch holds them in their source order; changes of one source
 * transaction would share its version (its commit position), under which the target's guard applies only the first.
 * So each change but a row's last is written just below the version of the one after it, and each is completed with
 * the values its row's earlier changes gave the columns it leaves out (as the collapse completes the newest): the row
 * ends as the collapsed batch would leave it, and a change the guard skips (the target holds a version above it) loses
 * nothing. Rows of different partitions may come in another order than their source transaction's: then the target
 * refuses this too, and those rows take the usual way ({@code BatchWriter} writes each source transaction whole, and
 * holds the rows of one it refuses).
 */
final class SourceOrder {
  private SourceOrder() {
  }

  /**
   * {@code batch} (before its collapse) in its order, versioned and completed so that each change of a row applies over
   * the one before it; null when some row's versions go down within the batch (a change older than one before it,
   * which the collapse drops and an ordered write would let win) or no row changes twice (nothing to order).
   */
  static List<ApplyTopicRecord> stepped(final List<ApplyTopicRecord> batch) {
    final Map<NewestPerRow.RowKey, List<Integer>> byRow = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      byRow.computeIfAbsent(NewestPerRow.RowKey.of(batch.get(i).packed()), k -> new ArrayList<>(2)).add(i);
    }
    final List<ApplyTopicRecord> out = new ArrayList<>(batch);
    boolean twice = false;
    for (final List<Integer> changes : byRow.values()) {
      if (changes.size() < 2) {
        continue;
      }
      twice = true;
      for (int j = 1; j < changes.size(); j++) {
        if (out.get(changes.get(j)).packed().version() < out.get(changes.get(j - 1)).packed().version()) {
          return null;
        }
        out.set(changes.get(j), NewestPerRow.completed(out.get(changes.get(j)), out.get(changes.get(j - 1))));
      }
      long next = out.get(changes.get(changes.size() - 1)).packed().version();
      for (int j = changes.size() - 2; j >= 0; j--) {
        final ApplyTopicRecord r = out.get(changes.get(j));
        final long version = Math.min(r.packed().version(), next - 1);
        if (version != r.packed().version()) {
          out.set(changes.get(j), versioned(r, version));
        }
        next = version;
      }
    }
    return twice ? out : null;
  }

  private static ApplyTopicRecord versioned(final ApplyTopicRecord r, final long version) {
    final ApplyRecord value = r.value();
    value.setVersion(version);
    return new ApplyTopicRecord(r.topic(), r.partition(), r.offset(), r.key(), PackedApplyRecord.pack(value),
        r.attempt(), r.replayedWithGroup());
  }
}
