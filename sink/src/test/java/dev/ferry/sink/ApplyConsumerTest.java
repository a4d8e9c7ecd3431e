package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The offsets the sink tells Kafka (for the lag tools only): coalesced, the newest per partition, assigned ones. */
class ApplyConsumerTest {
  private static final TopicPartition P0 = new TopicPartition("apply", 0);
  private static final TopicPartition P1 = new TopicPartition("apply", 1);

  /** Kafka's mock consumer, noting every commit the sink asks for. */
  private static final class Kafka extends MockConsumer<String, byte[]> {
    final List<Map<TopicPartition, OffsetAndMetadata>> commits = new ArrayList<>();

    Kafka() {
      super("none");
      assign(List.of(P0, P1));
    }

    @Override
    public synchronized void commitAsync(final Map<TopicPartition, OffsetAndMetadata> offsets,
        final OffsetCommitCallback callback) {
      commits.add(Map.copyOf(offsets));
      super.commitAsync(offsets, callback);
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> offsets(final long p0, final long p1) {
    return Map.of(P0, new OffsetAndMetadata(p0), P1, new OffsetAndMetadata(p1));
  }

  @Test
  void offsetsAppliedWithinTheIntervalAreToldOnceTheNewestPerPartitionAndAtTheClose() {
    final Kafka kafka = new Kafka();
    final ApplyConsumer consumer = new ApplyConsumer(kafka, Duration.ofHours(1));
    consumer.commitAsync(Map.of(P0, 10L));
    consumer.commitAsync(Map.of(P0, 20L, P1, 5L));
    consumer.commitAsync(Map.of(P0, 15L)); // a writer finishing an older task of the partition later
    consumer.commitDue();
    assertThat(kafka.commits).isEmpty();
    consumer.close();
    assertThat(kafka.commits).containsExactly(offsets(20, 5));
  }

  @Test
  void onceTheIntervalHasPassedTheyAreToldAtOnceButNotForAPartitionNoLongerAssigned() {
    final Kafka kafka = new Kafka();
    final ApplyConsumer consumer = new ApplyConsumer(kafka, Duration.ZERO);
    consumer.commitAsync(Map.of(P0, 10L, P1, 3L));
    kafka.assign(List.of(P0)); // P1 revoked: its new owner tells its own
    consumer.commitAsync(Map.of(P0, 12L, P1, 9L));
    consumer.commitDue(); // nothing noted since
    assertThat(kafka.commits).containsExactly(offsets(10, 3), Map.of(P0, new OffsetAndMetadata(12L)));
  }
}
