package dev.ferry.processor;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Where the end of a snapshot ({@link ApplyOp#SWEEP}) goes on the apply topic: to every partition, because the rows
 * this task sent before it may be in any of them. Used by a sink node of its own; anything else it would be given
 * goes where Kafka's default partitioner puts it.
 */
final class SweepToEveryPartition implements StreamPartitioner<String, Object> {
  @Override
  public Optional<Set<Integer>> partitions(final String topic, final String key, final Object value,
      final int numPartitions) {
    if (value instanceof ApplyRecord r && r.getOp() == ApplyOp.SWEEP) {
      return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
    }
    return Optional.empty();
  }
}
