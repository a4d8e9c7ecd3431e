package dev.ferry.connector;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The source transactions a capture has seen begin and not yet end: per transaction the partitions its events went
 * to (its commit markers go behind them there) and whether it carries Ferry's echo mark ({@code
 * dev.ferry.schemas.EchoMark}: a Ferry sink wrote it). A batch Kafka did not take is undone with {@link #copy}.
 * Touched by Debezium's thread only.
 */
final class OpenTransactions {
  private final Map<String, Set<TopicPartition>> partitions;
  private final Set<String> echoes;

  OpenTransactions() {
    this(new HashMap<>(), new HashSet<>());
  }

  private OpenTransactions(final Map<String, Set<TopicPartition>> partitions, final Set<String> echoes) {
    this.partitions = partitions;
    this.echoes = echoes;
  }

  /** How a transaction ended: the partitions its events went to (null: it began before this capture) and its mark. */
  record Ended(Set<TopicPartition> partitions, boolean echo) {
  }

  void begin(final String txId) {
    partitions.put(txId, new HashSet<>());
  }

  /** An event of {@code txId} went to {@code partition}; a transaction not seen to begin is opened here. */
  void sent(final String txId, final TopicPartition partition) {
    partitions.computeIfAbsent(txId, t -> new HashSet<>()).add(partition);
  }

  /** {@code txId} carries Ferry's echo mark. */
  void echo(final String txId) {
    echoes.add(txId);
  }

  Ended end(final String txId) {
    final boolean echo = echoes.remove(txId);
    return new Ended(partitions.remove(txId), echo);
  }

  /** A copy to go back to when a batch is not taken. */
  OpenTransactions copy() {
    final Map<String, Set<TopicPartition>> out = new HashMap<>();
    partitions.forEach((k, v) -> out.put(k, new HashSet<>(v)));
    return new OpenTransactions(out, new HashSet<>(echoes));
  }
}
