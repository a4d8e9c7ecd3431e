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
    try {
      final Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
          d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      long behind = 0;
      for (final var e : admin.listOffsets(latest).all().get().entrySet()) {
        final OffsetAndMetadata c = committed.get(e.getKey());
        behind += Math.max(0, e.getValue().offset() - (c == null ? 0 : c.offset()));
      }
      return behind;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the lag of group " + groupId + ": " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
