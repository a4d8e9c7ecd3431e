package dev.ferry.processor;

import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.LostRecords;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the processor will never read: records of a CDC topic that Kafka deleted after the processor last
 * committed and before it started again (the topic's retention ran out while it was stopped). Kafka Streams moves a
 * task whose committed offset is gone to the oldest record left ({@code auto.offset.reset earliest}) without a
 * word, so the processor looks first: its committed offsets against the oldest offsets the topics still hold. Each
 * gap is logged as an error naming the legacy table and the command that repairs it ({@code ferry resnapshot}), and
 * counted ({@code ferry_processor_records_lost_total}); the command records it in the run history. A partition the
 * processor has never read whose first records are gone is warned about, not counted: a processor started after the
 * topic's retention ran out may be meant (a new application id).
 *
 * <p>At start, and while running: a processor running far behind (a backlog, a slow target of its output, a topic
 * with a short retention) can find its position deleted too; its main consumer says so ({@link ProcessorClients})
 * and the gap is reported the same way ({@link #whileRunning}). A broker that does not answer at start is no reason
 * not to start: the check is then skipped, with a warning.
 */
final class DeletedBeforeProcessed {
  private static final Logger LOG = LoggerFactory.getLogger(DeletedBeforeProcessed.class);

  private final AtomicLong lost = new AtomicLong();
  /** Per partition, the end of the last gap reported (one entry per CDC partition at most). */
  private final Map<TopicPartition, Long> reportedTo = new java.util.concurrent.ConcurrentHashMap<>();
  private final String applicationId;
  private final Map<String, String> tableOf;
  private final java.util.function.Consumer<LostRecords> listener;

  /**
   * @param tableOf the legacy table of each CDC topic the processor reads
   * @param listener told of every gap found, at start or while running (the command records it in the run history)
   */
  DeletedBeforeProcessed(final String applicationId, final Map<String, String> tableOf,
      final java.util.function.Consumer<LostRecords> listener) {
    this.applicationId = applicationId;
    this.tableOf = Map.copyOf(tableOf);
    this.listener = listener;
  }

  /** The count as a meter, there from the start at 0 (an alert on its increase sees the first loss). */
  MeterBinder counts() {
    return registry -> FunctionCounter.builder("ferry.processor.records.lost", lost, AtomicLong::get)
        .tags(Tags.of("application", applicationId)).description("Records of the CDC topics Kafka deleted before "
            + "the processor read them (retention ran out); alert on any").register(registry);
  }

  /** Finds, logs, counts and passes on the gaps of the committed offsets in the CDC topics. */
  void check(final KafkaSettings kafka) {
    final List<LostRecords> found;
    try (Admin admin = KafkaClients.admin(kafka)) {
      final Map<TopicPartition, Long> positions = new HashMap<>();
      final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      committed.forEach((tp, o) -> {
        if (o != null && tableOf.containsKey(tp.topic())) {
          positions.put(tp, o.offset());
        }
      });
      final Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
      admin.describeTopics(tableOf.keySet()).allTopicNames().get(30, TimeUnit.SECONDS).forEach((topic, d) ->
          d.partitions().forEach(p -> ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest())));
      final Map<TopicPartition, Long> oldest = new HashMap<>();
      admin.listOffsets(ask).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> oldest.put(tp, info.offset()));
      oldest.forEach((tp, first) -> {
        if (!positions.containsKey(tp) && first > 0) {
          // never read by this processor, and its first records already gone: a processor started after the topic's
          // retention ran out (a new application id, or its offsets lost). Which is meant only an operator knows
          LOG.warn("processor {} has never read {}, whose first {} records Kafka has already deleted; starting from "
              + "offset {}. If the target was synced from it before, read {} again (ferry resnapshot)",
              applicationId, tp, first, first, tableOf.get(tp.topic()));
        }
      });
      found = LostRecords.between(positions, oldest);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
        | org.apache.kafka.common.KafkaException e) {
      LOG.warn("processor {}: could not compare its committed offsets with what the CDC topics still hold ({}); "
          + "records Kafka deleted before the processor read them would go unnoticed", applicationId, e.toString());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    report(found);
  }

  /** Logs, counts and passes on the gaps a running processor's consumer found ({@link ProcessorClients}). */
  void whileRunning(final List<LostRecords> found) {
    report(found);
  }

  private void report(final List<LostRecords> found) {
    for (final LostRecords seen : found) {
      // a gap found at the start is found again by the consumer when it first reads there: said once
      final long said = reportedTo.getOrDefault(seen.partition(), Long.MIN_VALUE);
      if (seen.to() <= said) {
        continue;
      }
      final LostRecords gap = new LostRecords(seen.partition(), Math.max(seen.from(), said), seen.to());
      reportedTo.put(gap.partition(), gap.to());
      final String table = tableOf.getOrDefault(gap.partition().topic(), gap.partition().topic());
      LOG.error("processor {}: {}. Repair: read {} again (ferry resnapshot --table {}); the processor goes on from "
          + "offset {}", applicationId, gap.describe("the processor " + applicationId), table, table, gap.to());
      lost.addAndGet(gap.count());
      try {
        listener.accept(gap);
      } catch (RuntimeException e) {
        LOG.warn("processor {}: the gap above could not be recorded ({})", applicationId, e.toString());
      }
    }
  }
}
