package dev.ferry.schemas;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group is behind the end of its input topics, from Kafka's own records (committed
 * offsets against end offsets). Used to tell when the pipeline has drained.
 */
public final class PipelineLag implements AutoCloseable {
  private final Admin admin;

  public PipelineLag(final KafkaSettings kafka) {
    this.admin = KafkaClients.admin(kafka);
  }

  /**
   * Records of {@code topics} that group {@code groupId} has not committed yet; a partition the group
   * has never committed counts in full.
   */
  public long behind(final String groupId, final List<String> topics) throws InterruptedException {
    return behind(groupId, endOffsets(topics));
  }

  /**
   * Offsets of {@code upTo} (end offsets taken earlier, {@link #endOffsets}) that group {@code groupId} has not
   * committed yet: what it still has to read of what was on those partitions then.
   */
  public long behind(final String groupId, final Map<TopicPartition, Long> upTo) throws InterruptedException {
    try {
      final Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      long behind = 0;
      for (final var e : upTo.entrySet()) {
        final OffsetAndMetadata c = committed.get(e.getKey());
        behind += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
      }
      return behind;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the lag of group " + groupId + ": " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  /** The end offset of every partition of {@code topics} now. */
  public Map<TopicPartition, Long> endOffsets(final List<String> topics) throws InterruptedException {
    try {
      final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
          d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      final Map<TopicPartition, Long> out = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the end offsets of " + topics + ": " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
