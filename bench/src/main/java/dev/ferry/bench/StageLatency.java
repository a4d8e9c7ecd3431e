package dev.ferry.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * When each order of the streaming benchmark became readable on a Kafka topic, as the next stage reads it:
 * committed records only ({@code read_committed}), so an order counts on the CDC topic once the connector's
 * Kafka transaction holding it committed, and on the apply topic once the processor's did. With the writers'
 * commit times this splits the end-to-end latency into capture, processing and applying.
 *
 * <p>One consumer per topic, each on its own thread, from the topic's end when started; a record's key is
 * the order's id (the header key), other keys (commit markers, snapshot ends) are passed over.
 */
final class StageLatency implements AutoCloseable {
  private final String bootstrapServers;
  private final List<Stage> stages = new ArrayList<>();
  /** Epoch nanoseconds minus {@link System#nanoTime()}: turns the writers' commit times into record-timestamp time. */
  private final long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

  StageLatency(final String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Starts following {@code topic}, named {@code name} in the summary, from its end. With {@code sendTimes}, the
   * summary also tells when its records were sent (their timestamps: the producer's clock at send, which Kafka keeps
   * for topics with create time), to split a stage's time into work before the send and the wait for its commit.
   */
  StageLatency follow(final String name, final String topic, final boolean sendTimes) {
    final Stage stage = new Stage(name, topic, sendTimes);
    stages.add(stage);
    stage.thread.start();
    return this;
  }

  /**
   * One line: per stage, p50 and p99 of the time from each order's legacy commit ({@code committedAt}, nanoTime)
   * to its first sight on that stage's topic; with send times, the same to the send (on the wall clock, to millisecond
   * precision). Orders not seen there are left out and counted.
   */
  String summary(final Map<Long, Long> committedAt) {
    final StringBuilder sb = new StringBuilder("  from legacy commit to readable:");
    for (final Stage s : stages) {
      if (s.sendTimes) {
        final List<Long> sent = new ArrayList<>(committedAt.size());
        committedAt.forEach((id, at) -> {
          final Long ts = s.firstSentMs.get(id);
          if (ts != null) {
            sent.add(Math.max(0, ts * 1_000_000L - (at + epochOffsetNanos)));
          }
        });
        sent.sort(Long::compare);
        sb.append(String.format(Locale.ROOT, " %s sent p50=%s p99=%s,", s.name, ms(sent, 0.50), ms(sent, 0.99)));
      }
      final List<Long> latencies = new ArrayList<>(committedAt.size());
      int unseen = 0;
      for (final Map.Entry<Long, Long> e : committedAt.entrySet()) {
        final Long seen = s.firstSeen.get(e.getKey());
        if (seen == null) {
          unseen++;
        } else {
          // seen before the writer noted its commit: the commit returned after the capture read it
          latencies.add(Math.max(0, seen - e.getValue()));
        }
      }
      latencies.sort(Long::compare);
      sb.append(String.format(Locale.ROOT, " %s p50=%s p99=%s%s |", s.name, ms(latencies, 0.50), ms(latencies, 0.99),
          unseen == 0 ? "" : " (" + unseen + " not seen)"));
    }
    sb.setLength(sb.length() - 2);
    // each stage on its own: per order, from its sight on one topic to its sight on the next
    for (int i = 1; i < stages.size(); i++) {
      final Stage from = stages.get(i - 1);
      final Stage to = stages.get(i);
      final List<Long> deltas = new ArrayList<>(committedAt.size());
      for (final Long id : committedAt.keySet()) {
        final Long a = from.firstSeen.get(id);
        final Long b = to.firstSeen.get(id);
        if (a != null && b != null) {
          deltas.add(Math.max(0, b - a));
        }
      }
      deltas.sort(Long::compare);
      sb.append(String.format(Locale.ROOT, "%n  %s to %s alone: p50=%s p95=%s p99=%s", from.name, to.name,
          ms(deltas, 0.50), ms(deltas, 0.95), ms(deltas, 0.99)));
    }
    return sb.toString();
  }

  /** Per order, from its sight on the last stage's topic to {@code seenAt} (nanoTime), sorted. */
  List<Long> afterLast(final Map<Long, Long> seenAt) {
    final List<Long> deltas = new ArrayList<>(seenAt.size());
    if (stages.isEmpty()) {
      return deltas;
    }
    final Stage last = stages.get(stages.size() - 1);
    seenAt.forEach((id, at) -> {
      final Long a = last.firstSeen.get(id);
      if (a != null) {
        deltas.add(Math.max(0, at - a));
      }
    });
    deltas.sort(Long::compare);
    return deltas;
  }

  static String ms(final List<Long> sorted, final double quantile) {
    if (sorted.isEmpty()) {
      return "-";
    }
    final int i = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
    return String.format(Locale.ROOT, "%.0fms", sorted.get(Math.max(0, i)) / 1e6);
  }

  @Override
  public void close() throws InterruptedException {
    for (final Stage s : stages) {
      s.running = false;
    }
    for (final Stage s : stages) {
      s.thread.join(10_000);
    }
  }

  private final class Stage {
    private final String name;
    private final String topic;
    /** order id -> nanoTime it was first read. */
    private final Map<Long, Long> firstSeen = new ConcurrentHashMap<>();
    private final boolean sendTimes;
    /** order id -> the timestamp of its first record (epoch ms), when send times are kept. */
    private final Map<Long, Long> firstSentMs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    Stage(final String name, final String topic, final boolean sendTimes) {
      this.name = name;
      this.topic = topic;
      this.sendTimes = sendTimes;
      this.thread = new Thread(this::run, "stage-latency-" + name);
      thread.setDaemon(true);
    }

    private void run() {
      final Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      // Kafka's default fetch.max.wait.ms (500 ms), like the services' consumers: a read_committed fetch returns as
      // soon as a commit makes records readable, so the wait blurs nothing; 5 ms made this JVM poll the broker up to
      // 200 times a second per stage for nothing, a tenth of its CPU, taken from the pipeline it measures
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
          new ByteArrayDeserializer())) {
        final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        while (running) {
          for (final ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
            final long now = System.nanoTime();
            final Long id = orderId(r.key());
            if (id != null) {
              firstSeen.putIfAbsent(id, now);
              if (sendTimes) {
                firstSentMs.putIfAbsent(id, r.timestamp());
              }
            }
          }
        }
      } catch (RuntimeException e) {
        System.out.println("  stage latency of " + topic + " stopped: " + e);
      }
    }
  }

  private static Long orderId(final String key) {
    if (key == null || key.isEmpty() || !Character.isDigit(key.charAt(0))) {
      return null;
    }
    try {
      return Long.parseLong(key);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
