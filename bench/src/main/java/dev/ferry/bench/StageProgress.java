package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Every 10 s, how far each stage of the benchmark's pipeline has come, from Kafka's and the target's own
 * records: events captured (end offsets of the CDC topics), events the processor has committed, rows on the
 * apply topic, and orders in the target. The stage whose count stops following the one before it is the
 * bottleneck.
 */
final class StageProgress implements AutoCloseable {
  private final List<String> cdc;
  private final String apply;
  private final String processorGroup;

  private final Admin admin;
  private final EmbeddedDatabase target;
  private final String targetDb;
  private final Thread thread = new Thread(this::run, "stage-progress");
  private volatile boolean running = true;

  /** @param prefix the run's topic prefix; its processor's application id is {@code <prefix>-processor} */
  StageProgress(final String bootstrapServers, final String prefix, final EmbeddedDatabase target,
      final String targetDb) {
    this.cdc = List.of(prefix + ".cdc.public.orders", prefix + ".cdc.public.order_lines");
    this.apply = prefix + ".apply";
    this.processorGroup = prefix + "-processor";
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    this.target = target;
    this.targetDb = targetDb;
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    long[] last = null;
    try (Connection c = target.connect(targetDb)) {
      while (running) {
        Thread.sleep(10_000);
        final long captured = endOffsets(admin, cdc);
        final long processed = committed(admin, processorGroup, cdc);
        final long mapped = endOffsets(admin, List.of(apply));
        final long applied;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sales_order")) {
          rs.next();
          applied = rs.getLong(1);
        }
        final long[] now = {captured, processed, mapped, applied};
        if (last != null) {
          System.out.printf(Locale.ROOT, "  stages, last 10 s: captured %,d events/s | processed %,d events/s | apply "
              + "topic %,d records/s | target %,d orders/s   (behind: processor %,d events)%n",
              (now[0] - last[0]) / 10, (now[1] - last[1]) / 10, (now[2] - last[2]) / 10, (now[3] - last[3]) / 10,
              captured - processed);
        }
        last = now;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.out.println("  stage progress stopped: " + e);
    }
  }

  /** The sum of the end offsets of {@code topics}; 0 while they do not exist yet. */
  static long endOffsets(final Admin admin, final List<String> topics) throws InterruptedException,
      ExecutionException {
    final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    try {
      admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
          d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    } catch (ExecutionException e) {
      return 0;
    }
    long sum = 0;
    for (final var e : admin.listOffsets(latest).all().get().values()) {
      sum += e.offset();
    }
    return sum;
  }

  /** The sum of the offsets {@code group} committed on {@code topics}; 0 before it committed any. */
  static long committed(final Admin admin, final String group, final List<String> topics)
      throws InterruptedException, ExecutionException {
    long sum = 0;
    for (final Map.Entry<TopicPartition, OffsetAndMetadata> e
        : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet()) {
      if (topics.contains(e.getKey().topic()) && e.getValue() != null) {
        sum += e.getValue().offset();
      }
    }
    return sum;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    admin.close();
  }
}
