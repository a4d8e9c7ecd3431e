package dev.ferry.sink;

import dev.ferry.schemas.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The sink's consumer of the apply topic: its settings and why, which of its partitions it reads now (those of a
 * writer with a batch queued are paused), and how far it is behind. Values stay bytes: each is read into a
 * {@link dev.ferry.schemas.PackedApplyRecord} without decoding its row. Used on {@link TargetSink}'s consumer thread
 * only (Kafka's consumer is not thread-safe), but for its client metrics.
 */
final class ApplyConsumer implements AutoCloseable {
  /**
   * How often the offsets applied are told to Kafka, at most: they are there only for the usual lag tools (the sink
   * resumes from the offsets it keeps in the target), and each commit is a request the broker writes to its offsets
   * topic and a network round of this consumer: one per writer task before, 7% of the sink's CPU samples in a
   * migration (docs/benchmarks.md, session 40).
   */
  static final Duration KAFKA_COMMIT_EVERY = Duration.ofSeconds(1);

  private final Consumer<String, byte[]> consumer;
  private final long kafkaCommitEveryNanos;
  /** Offsets applied and not yet told to Kafka, per partition: the next offset to read. */
  private final Map<TopicPartition, Long> uncommitted = new HashMap<>();
  private long lastKafkaCommit = System.nanoTime();

  ApplyConsumer(final SinkConfig config) {
    this(new KafkaConsumer<>(properties(config), new StringDeserializer(), new ByteArrayDeserializer()),
        KAFKA_COMMIT_EVERY);
  }

  /** Over {@code consumer}, telling Kafka the offsets applied at most once per {@code commitEvery}. */
  ApplyConsumer(final Consumer<String, byte[]> consumer, final Duration commitEvery) {
    this.consumer = consumer;
    this.kafkaCommitEveryNanos = commitEvery.toNanos();
  }

  private static Properties properties(final SinkConfig config) {
    final Properties c = KafkaClients.properties(config.kafka());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    if (!config.instanceId().isEmpty()) {
      c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
    }
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // every assigned partition is sought (ResumeFromTarget: the target's offsets, else the beginning), so a reset
    // happens only where Kafka deleted records the sink had not applied: that must not pass without a word
    // (DeletedBeforeApplied), which Kafka's "earliest" would do
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.batchSize()));
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // the consumer waits while the target is down (the writer retries); heartbeats still show it alive
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(30 * 60 * 1000));
    // a sink that died (kill -9, a lost machine) gives its partitions up after 6 s (the least a broker allows by
    // default, group.min.session.timeout.ms), not Kafka's default 45 s; heartbeats come from the consumer's own
    // thread, so a slow target does not count against it. sink.instance-id makes even that wait go away.
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "2000");
    c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
    // fetch enough to fill a batch in one round trip: large batches are what make COPY pay
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
    return c;
  }

  /** Kafka's consumer itself: to subscribe, poll and wake it, and for its client metrics. */
  Consumer<String, byte[]> kafka() {
    return consumer;
  }

  /**
   * One poll of the partitions it reads now. Where Kafka no longer holds the offset a partition is to be read from,
   * {@code gaps} says what was lost and moves the partition on, and this poll returns nothing.
   */
  ConsumerRecords<String, byte[]> poll(final Duration timeout, final DeletedBeforeApplied gaps) {
    try {
      return consumer.poll(timeout);
    } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException e) {
      gaps.goOn(consumer, e);
      return ConsumerRecords.empty();
    }
  }

  /** Pauses those of {@code partitions} still assigned (pausing any other is an error). */
  void pause(final Collection<TopicPartition> partitions) {
    consumer.pause(assigned(partitions));
  }

  /** Resumes every paused partition but those in {@code held}. */
  void resumeAllBut(final Collection<TopicPartition> held) {
    final Set<TopicPartition> resume = new HashSet<>(consumer.paused());
    resume.removeAll(held);
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  /**
   * One poll that reads nothing: every partition paused, so that the group keeps this member, and records a new
   * assignment returned in that poll are read again later (the consumer is sought back to the first of each).
   */
  void pollReadingNothing(final DeletedBeforeApplied gaps) {
    consumer.pause(consumer.assignment());
    // a partition assigned in this poll is fetched before it is paused: where Kafka deleted what it was to be read
    // from, that is said here too
    final ConsumerRecords<String, byte[]> polled = poll(Duration.ofMillis(200), gaps);
    for (final TopicPartition tp : polled.partitions()) {
      consumer.seek(tp, polled.records(tp).get(0).offset());
    }
    consumer.pause(consumer.assignment());
  }

  /**
   * Offsets between the positions of the assigned partitions and their ends, asked of the broker (a paused
   * partition is not fetched, so the consumer's own lag stands still while it holds); -1 when nothing is assigned
   * or the broker does not answer within 5 s. Kafka's transaction markers take offsets too: about one per
   * transaction of the processor's.
   */
  long behindEnds() {
    final Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      return -1;
    }
    try {
      long total = 0;
      for (final Map.Entry<TopicPartition, Long> e : consumer.endOffsets(assigned, Duration.ofSeconds(5)).entrySet()) {
        total += Math.max(0, e.getValue() - consumer.position(e.getKey()));
      }
      return total;
    } catch (org.apache.kafka.common.KafkaException e) {
      return -1;
    }
  }

  /**
   * Notes {@code next} offsets as applied, for Kafka; they are committed without waiting, at most once per
   * {@link #KAFKA_COMMIT_EVERY}, only so that the usual tools show the group's lag.
   */
  void commitAsync(final Map<TopicPartition, Long> next) {
    next.forEach((tp, o) -> uncommitted.merge(tp, o, Math::max));
    commitDue();
  }

  /** Commits the offsets noted since the last commit to Kafka, once {@link #KAFKA_COMMIT_EVERY} has passed. */
  void commitDue() {
    if (!uncommitted.isEmpty() && System.nanoTime() - lastKafkaCommit >= kafkaCommitEveryNanos) {
      commitNoted();
    }
  }

  /** Commits what is noted of the partitions still assigned (a revoked one's new owner commits its own). */
  private void commitNoted() {
    final Set<TopicPartition> assigned = consumer.assignment();
    final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    uncommitted.forEach((tp, o) -> {
      if (assigned.contains(tp)) {
        commit.put(tp, new OffsetAndMetadata(o));
      }
    });
    uncommitted.clear();
    lastKafkaCommit = System.nanoTime();
    if (!commit.isEmpty()) {
      consumer.commitAsync(commit, null);
    }
  }

  /** Records behind the end of the assigned partitions as of the last poll, or -1 when not known (no assignment). */
  long lag() {
    final Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      return -1;
    }
    long total = 0;
    for (final TopicPartition tp : assigned) {
      final OptionalLong l = consumer.currentLag(tp);
      if (l.isEmpty()) {
        return -1;
      }
      total += l.getAsLong();
    }
    return total;
  }

  private List<TopicPartition> assigned(final Collection<TopicPartition> partitions) {
    final Set<TopicPartition> assignment = consumer.assignment();
    final List<TopicPartition> out = new ArrayList<>();
    for (final TopicPartition tp : partitions) {
      if (assignment.contains(tp)) {
        out.add(tp);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (!uncommitted.isEmpty()) {
      try {
        commitNoted(); // Kafka's consumer completes a pending commit as it closes
      } catch (org.apache.kafka.common.KafkaException e) {
        // only the lag tools' view: the sink resumes from the offsets it keeps in the target
      }
    }
    consumer.close();
  }
}
