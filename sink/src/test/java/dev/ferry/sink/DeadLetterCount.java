package dev.ferry.sink;

import dev.ferry.schemas.FerryTopics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** How many records a pipeline's dead-letter topic holds, from its end offsets. */
final class DeadLetterCount {
  private DeadLetterCount() {
  }

  static long of(final String bootstrapServers, final FerryTopics topics) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      final String name = topics.deadLetter().name();
      final int partitions = admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions().size();
      long total = 0;
      for (int p = 0; p < partitions; p++) {
        total += admin.listOffsets(Map.of(new TopicPartition(name, p), OffsetSpec.latest())).all().get()
            .values().iterator().next().offset();
      }
      return total;
    }
  }
}
