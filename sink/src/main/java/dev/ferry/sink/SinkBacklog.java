package dev.ferry.sink;

import dev.ferry.schemas.KafkaClients;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a sink group has not applied yet, seen from outside the sink (the cutover's drain, run by another process):
 * committed records of the apply topic after the offsets the group keeps in the target (which are written with the
 * rows, so they are the truth), plus the rows parked waiting for a row they reference. Records are counted by reading
 * them with {@code read_committed}, so a transaction marker at a partition's end (which an offset comparison would
 * count) is not a record pending. Offsets kept for an apply topic since deleted and created again (another topic id)
 * count nothing: the sink reads the new topic from its beginning ({@link ResumeFromTarget}), and so does this count.
 */
public final class SinkBacklog {
  private static final Duration READ_FOR_AT_MOST = Duration.ofSeconds(10);

  private SinkBacklog() {
  }

  /** Records and parked rows of {@code config}'s sink group not applied yet: 0 when none, else at least one poll's worth. */
  public static long pending(final SinkConfig config) throws SQLException {
    return count(config, null, true);
  }

  /**
   * Records of the apply topic before {@code upTo} (its end offsets at some earlier moment, by partition) that
   * {@code config}'s sink group has not applied yet: what it still has to apply of what was on the topic then. Parked
   * rows are not counted: they wait for other rows, not for the sink.
   */
  public static long recordsBefore(final SinkConfig config, final Map<Integer, Long> upTo) throws SQLException {
    return count(config, upTo, false);
  }

  private static long count(final SinkConfig config, final Map<Integer, Long> upTo, final boolean withParked)
      throws SQLException {
    final TargetDialect dialect = TargetDialect.of(config.jdbcUrl());
    final String topic = config.kafka().topics(config.kafka().registry()).apply().name();
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer()); Connection c = config.connect("ferry-sink")) {
      final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      final OffsetStore offsets = new OffsetStore(dialect, config.offsetsTable(), config.groupId());
      final Map<TopicPartition, Long> applied = new HashMap<>();
      long parked = 0;
      if (exists(c, config.offsetsTable())) {
        final String now = partitions.isEmpty() ? null : ResumeFromTarget.currentId(config.kafka(), topic,
            config.groupId());
        offsets.read(c, partitions).forEach((tp, kept) -> {
          if (kept.ofTopic(now)) {
            applied.put(tp, kept.next());
          }
        });
      }
      if (withParked && exists(c, config.parkedTable())) {
        parked = new ParkedRows(dialect, config.parkedTable()).count(c);
      }
      consumer.assign(partitions);
      for (final TopicPartition tp : partitions) {
        consumer.seek(tp, applied.getOrDefault(tp, 0L));
      }
      final Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      if (upTo != null) {
        end.replaceAll((tp, e) -> Math.min(e, upTo.getOrDefault(tp.partition(), 0L)));
      }
      long records = 0;
      final long deadline = System.nanoTime() + READ_FOR_AT_MOST.toNanos();
      while (records == 0 && System.nanoTime() < deadline
          && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (final var r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            records++;
          }
        }
      }
      if (records == 0 && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        throw new IllegalStateException("the apply topic " + topic + " could not be read to its end within "
            + READ_FOR_AT_MOST.toSeconds() + " s");
      }
      return records + parked;
    }
  }

  private static boolean exists(final Connection c, final String table) throws SQLException {
    try (var rs = c.getMetaData().getTables(null, null, table, null)) {
      return rs.next();
    }
  }
}
