package dev.ferry.sink;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's answer to a rebalance, on the consumer thread. On assignment it continues exactly after what the target
 * has committed (the offsets kept beside the rows, {@link OffsetStore}), from the beginning where it has none; on
 * revocation the batch in flight commits before the partitions go, and unfinished group tails are dropped: the next
 * owner reads them again from the offsets in the target.
 */
final class ResumeFromTarget implements ConsumerRebalanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(ResumeFromTarget.class);

  private final String group;
  private final OffsetStore offsets;
  private final Consumer<String, byte[]> consumer;
  private final SinkWriter[] writers;
  private final CompleteGroups groups;

  /** @param writers the sink's writers; the first reads the offsets (it keeps house) */
  ResumeFromTarget(final String group, final OffsetStore offsets, final Consumer<String, byte[]> consumer,
      final SinkWriter[] writers, final CompleteGroups groups) {
    this.group = group;
    this.offsets = offsets;
    this.consumer = consumer;
    this.writers = writers;
    this.groups = groups;
  }

  @Override
  public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
    final SinkWriter house = writers[0];
    final Map<TopicPartition, Long> stored = house.call(() -> {
      final Map<TopicPartition, Long> o = offsets.read(house.connection(), partitions);
      house.connection().commit();
      return o;
    });
    final List<TopicPartition> fresh = new java.util.ArrayList<>();
    for (final TopicPartition tp : partitions) {
      final Long next = stored.get(tp);
      if (next != null) {
        consumer.seek(tp, next);
      } else {
        consumer.seekToBeginning(List.of(tp));
        fresh.add(tp);
      }
    }
    if (!fresh.isEmpty()) {
      // a partition this target has never applied anything of, whose first records are gone: a sink started after
      // the apply topic's retention ran out (a new target, or one whose offsets were lost). Which is meant only an
      // operator knows: said, not counted as lost
      try {
        consumer.beginningOffsets(fresh, java.time.Duration.ofSeconds(10)).forEach((tp, first) -> {
          if (first > 0) {
            LOG.warn("sink {}: the target holds no offset of {}, whose first {} records Kafka has already deleted; "
                + "applying from offset {}. If this target was synced before, read the legacy tables again "
                + "(ferry resnapshot)", group, tp, first, first);
          }
        });
      } catch (org.apache.kafka.common.KafkaException e) {
        LOG.debug("oldest offsets of {}: {}", fresh, e.toString());
      }
    }
    LOG.info("sink {} assigned {}; resuming from target offsets {}", group, partitions, stored);
  }

  @Override
  public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
    for (final SinkWriter w : writers) {
      w.finishAll();
    }
    groups.forget(partitions);
  }
}
