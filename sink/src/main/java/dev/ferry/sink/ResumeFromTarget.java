package dev.ferry.sink;

import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
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
 *
 * <p>A kept offset is used only in the topic it was read in: where the apply topic was deleted and created again
 * since (its id differs from the one kept with the offset), the partition is read from its beginning, with a
 * warning. Seeking to the kept offset in the new topic would skip, without a word, every record before it once the
 * new topic had grown that far; reading again costs nothing wrong, as each row's version decides what applies.
 */
final class ResumeFromTarget implements ConsumerRebalanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(ResumeFromTarget.class);

  private final String group;
  private final OffsetStore offsets;
  private final Consumer<String, byte[]> consumer;
  private final SinkWriter[] writers;
  private final CompleteGroups groups;
  private final KafkaSettings kafka;

  /** @param writers the sink's writers; the first reads the offsets (it keeps house) */
  ResumeFromTarget(final String group, final OffsetStore offsets, final Consumer<String, byte[]> consumer,
      final SinkWriter[] writers, final CompleteGroups groups, final KafkaSettings kafka) {
    this.kafka = kafka;
    this.group = group;
    this.offsets = offsets;
    this.consumer = consumer;
    this.writers = writers;
    this.groups = groups;
  }

  @Override
  public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
    final SinkWriter house = writers[0];
    final Map<TopicPartition, OffsetStore.Stored> stored = house.call(() -> {
      final Map<TopicPartition, OffsetStore.Stored> o = offsets.read(house.connection(), partitions);
      house.connection().commit();
      return o;
    });
    final Map<String, String> ids = new HashMap<>();
    partitions.forEach(tp -> ids.computeIfAbsent(tp.topic(), t -> currentId(kafka, t, group)));
    ids.forEach(offsets::topicId);
    final List<TopicPartition> fresh = new java.util.ArrayList<>();
    final Map<TopicPartition, Long> resumed = new HashMap<>();
    for (final TopicPartition tp : partitions) {
      final OffsetStore.Stored kept = stored.get(tp);
      final String now = ids.get(tp.topic());
      if (kept != null && !kept.ofTopic(now)) {
        LOG.warn("sink {}: {} was deleted and created again since this target applied it (topic id {}, now {}): its "
            + "kept offset {} belongs to the old topic; reading the new one from its beginning (each row's version "
            + "decides what applies)", group, tp, kept.topicId(), now, kept.next());
        consumer.seekToBeginning(List.of(tp));
      } else if (kept != null) {
        consumer.seek(tp, kept.next());
        resumed.put(tp, kept.next());
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
    LOG.info("sink {} assigned {}; resuming from target offsets {}", group, partitions, resumed);
  }

  /**
   * The id Kafka gave {@code topic} when it was created; null when the broker does not say within 10 s (said, for
   * sink group {@code group}).
   */
  static String currentId(final KafkaSettings kafka, final String topic, final String group) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).topicId()
          .toString();
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      LOG.warn("sink {}: could not learn the id of topic {} ({}); its kept offsets are trusted as they are",
          group, topic, e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
    for (final SinkWriter w : writers) {
      w.finishAll();
    }
    groups.forget(partitions);
  }
}
