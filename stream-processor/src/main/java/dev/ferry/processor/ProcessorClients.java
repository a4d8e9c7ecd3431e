package dev.ferry.processor;

import dev.ferry.schemas.LostRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka clients Kafka Streams runs the processor with: Kafka's own, except that the main consumer says where
 * its position fell out of what a topic still holds. Where the topology names a reset policy on its source, as
 * {@link ProcessorTopology} does, Kafka Streams gives its main consumer none and, when a poll finds a position Kafka
 * no longer holds (records deleted by retention while the processor ran behind),
 * moves it to the oldest record left, with an INFO line at most. The consumer here asks for the oldest offsets of
 * those partitions and passes the gaps to {@code lost} first ({@link DeletedBeforeProcessed#whileRunning}), then
 * lets Kafka Streams go on as before. A position beyond a partition's end (the topic deleted and created again)
 * loses nothing and is no gap. Only the main consumer: the restore and global consumers read changelogs, which
 * Kafka Streams itself rebuilds.
 */
final class ProcessorClients implements KafkaClientSupplier {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessorClients.class);

  private final Consumer<List<LostRecords>> lost;

  ProcessorClients(final Consumer<List<LostRecords>> lost) {
    this.lost = lost;
  }

  @Override
  public org.apache.kafka.clients.admin.Admin getAdmin(final Map<String, Object> config) {
    return org.apache.kafka.clients.admin.Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(final Map<String, Object> config) {
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getConsumer(final Map<String, Object> config) {
    return new WatchedConsumer(config, lost);
  }

  @Override
  public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getRestoreConsumer(
      final Map<String, Object> config) {
    return plain(config);
  }

  @Override
  public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getGlobalConsumer(
      final Map<String, Object> config) {
    return plain(config);
  }

  private static KafkaConsumer<byte[], byte[]> plain(final Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Kafka's consumer, telling of records deleted before it read them before the exception goes on. */
  private static final class WatchedConsumer extends KafkaConsumer<byte[], byte[]> {
    private final Consumer<List<LostRecords>> lost;

    WatchedConsumer(final Map<String, Object> config, final Consumer<List<LostRecords>> lost) {
      super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      this.lost = lost;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(final Duration timeout) {
      try {
        return super.poll(timeout);
      } catch (OffsetOutOfRangeException e) {
        final Map<TopicPartition, Long> at = e.offsetOutOfRangePartitions();
        try {
          lost.accept(LostRecords.between(at, beginningOffsets(at.keySet(), Duration.ofSeconds(30))));
        } catch (org.apache.kafka.common.KafkaException unknown) {
          LOG.error("the processor's positions {} are no longer in their topics, and the oldest offsets left could "
              + "not be read ({}): records Kafka deleted before the processor read them may be lost", at,
              unknown.toString());
        }
        throw e;
      }
    }
  }
}
