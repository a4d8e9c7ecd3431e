package dev.ferry.sink;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a batch can be applied in two target transactions instead of one, without tearing a group or reordering a
 * partition: between two records where every partition's last record so far ends its group. The first part takes
 * the records before the cut (each partition's order kept) and, as its offsets, the offset after its last record
 * of each partition it holds; the second part the rest and the batch's own offsets.
 *
 * <p>Why: a target can refuse one transaction for its size alone, deterministically (PostgreSQL out of shared memory
 * for locks across many partitions or tables, MariaDB's lock table or binlog cache), and retrying the same
 * transaction would refuse it again forever. Halving finds the size it takes ({@link BatchApply}).
 */
final class BatchSplit {
  private BatchSplit() {
  }

  /** The cut nearest the middle of {@code batch}: an index in (0, size), or -1 when no cut keeps every group whole. */
  static int cut(final List<ApplyTopicRecord> batch) {
    final Set<Integer> open = new HashSet<>();
    int best = -1;
    final int middle = batch.size() / 2;
    for (int i = 1; i < batch.size(); i++) {
      final ApplyTopicRecord before = batch.get(i - 1);
      if (CompleteGroups.endsGroup(before)) {
        open.remove(before.partition());
      } else {
        open.add(before.partition());
      }
      if (open.isEmpty() && (best < 0 || Math.abs(i - middle) < Math.abs(best - middle))) {
        best = i;
      }
    }
    return best;
  }

  /** The offsets to commit with {@code first}, the part before a cut: after its last record of each partition. */
  static Map<TopicPartition, Long> offsetsOf(final List<ApplyTopicRecord> first) {
    final Map<TopicPartition, Long> out = new HashMap<>();
    for (final ApplyTopicRecord r : first) {
      out.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
    }
    return out;
  }
}
