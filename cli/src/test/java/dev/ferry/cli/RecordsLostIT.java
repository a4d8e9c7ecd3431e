package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.history.RunHistory;
import dev.ferry.sink.TargetSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor stopped while Kafka deleted changes it had not read (a CDC topic's retention ran out during the
 * downtime; here deleted the way retention deletes, from the start of each partition). Kafka Streams moved on to the
 * oldest record left without a word: the changes were lost and nothing said so (this test, run without the check:
 * nothing found). Now the processor, as shipped ({@code ferry processor -c FILE} in its own JVM), compares its
 * committed offsets with what the topics still hold when it starts: it logs the legacy table, the offsets and the
 * repair ({@code ferry resnapshot}), records each gap in the run history, which {@code ferry status} shows, and goes
 * on: the change made after the gap arrives.
 */
class RecordsLostIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void changesKafkaDeletedWhileTheProcessorWasDownAreReportedByTableAndWhatFollowsArrives() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_lost");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("processor.yaml"), Set.of());
    final FerryConfig config = env.config();
    final String topic = config.processor().kafka().topics(config.processor().kafka().registry())
        .cdc("public.customers").name();
    try (TargetSink sink = new TargetSink(config.sink()).start();
        LegacyCapture capture = config.newCapture().start();
        Connection legacy = env.legacy(); Connection target = env.target();
        Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      Process processor = ServiceProcess.start("processor", file, Map.of(), work.resolve("processor-0.log"));
      try {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> RowCounts.of(legacy, target).match());
        final List<TopicPartition> partitions = partitions(admin, topic);
        readOnEveryPartition(legacy, admin, config.processor().applicationId(), topic, partitions);
        // stopped as an operator stops it: it commits what it read
        stopCleanly(processor);
        final Map<TopicPartition, Long> read = committed(admin, config.processor().applicationId(), topic);
        assertThat(read.keySet()).as("partitions the processor committed").containsExactlyInAnyOrderElementsOf(
            partitions);

        TestDatabases.exec(legacy, "UPDATE customers SET city = 'Gone' WHERE customer_id IN ('ALFKI', 'ANATR', "
            + "'ANTON', 'AROUT', 'BERGS', 'BLAUS', 'BLONP', 'BOLID')");
        await().atMost(Duration.ofMinutes(1)).until(() -> sum(ends(admin, partitions)) > sum(read));
        // the capture writes in Kafka transactions: wait for the last commit markers too
        Thread.sleep(2_000);
        final Map<TopicPartition, Long> deletedTo = ends(admin, partitions);
        final Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        deletedTo.forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o)));
        admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
        TestDatabases.exec(legacy, "UPDATE customers SET city = 'Kept' WHERE customer_id = 'BONAP'");
        await().atMost(Duration.ofMinutes(1)).until(() -> sum(ends(admin, partitions)) > sum(deletedTo));

        processor = ServiceProcess.start("processor", file, Map.of(), work.resolve("processor-1.log"));
        await().atMost(Duration.ofMinutes(2)).until(() -> TestDatabases.count(target,
            "SELECT count(*) FROM customer WHERE code = 'BONAP' AND city = 'Kept'") == 1);
        assertThat(TestDatabases.count(target, "SELECT count(*) FROM customer WHERE city = 'Gone'"))
            .as("the deleted changes, which only a re-snapshot brings back").isZero();

        final long expected = sum(deletedTo) - sum(read);
        assertThat(expected).isPositive();
        final String log = Files.readString(work.resolve("processor-1.log"));
        assertThat(log).contains("were deleted by Kafka before the processor")
            .contains("Repair: read public.customers again (ferry resnapshot --table public.customers)");
        final List<RunHistory.Entry> lost = config.sink().history().recent(RunHistory.Kind.RECORDS_LOST, 10);
        assertThat(lost).isNotEmpty().allMatch(e -> topic.equals(e.counts().get("topic")));
        for (final RunHistory.Entry e : lost) {
          final TopicPartition tp = new TopicPartition(topic, ((Number) e.counts().get("partition")).intValue());
          assertThat(((Number) e.counts().get("from")).longValue()).as("where the processor was")
              .isEqualTo(read.get(tp));
          assertThat(((Number) e.counts().get("to")).longValue()).as("the oldest offset left")
              .isEqualTo(deletedTo.get(tp));
        }
        assertThat(lost.stream().mapToLong(e -> ((Number) e.counts().get("to")).longValue()
            - ((Number) e.counts().get("from")).longValue()).sum()).isEqualTo(expected);

        final Path statusLog = work.resolve("status.log");
        final Process status = ServiceProcess.start("status", file, Map.of(), statusLog);
        assertThat(status.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(Files.readString(statusLog)).contains("records Kafka deleted before Ferry read them")
            .contains("deleted by Kafka before it read them");
      } finally {
        processor.destroy();
        if (!processor.waitFor(60, TimeUnit.SECONDS)) {
          processor.destroyForcibly();
        }
      }
    }
  }

  /**
   * The processor running far behind while Kafka deletes changes it has not read yet (a CDC topic's retention running
   * out under a backlog; here deleted the way retention deletes, from the start of each partition, while the processor
   * works through 100,000 changes). Kafka Streams moved its consumer on to the oldest record left with an INFO line
   * (this test, run without the processor's own consumer: no gap reported). The processor's consumer now says where
   * its position fell out of the topic: the same error, count and run history entry as at a start, without a
   * restart, and the processor goes on.
   */
  @Test
  void changesKafkaDeletesWhileTheProcessorRunsBehindAreReportedAndWhatFollowsArrives() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_lost_running");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("processor.yaml"), Set.of());
    final FerryConfig config = env.config();
    final String application = config.processor().applicationId();
    final String topic = config.processor().kafka().topics(config.processor().kafka().registry())
        .cdc("public.customers").name();
    try (TargetSink sink = new TargetSink(config.sink()).start();
        LegacyCapture capture = config.newCapture().start();
        Connection legacy = env.legacy(); Connection target = env.target();
        Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      Process processor = ServiceProcess.start("processor", file, Map.of(), work.resolve("processor-0.log"));
      try {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> RowCounts.of(legacy, target).match());
        final List<TopicPartition> partitions = partitions(admin, topic);
        readOnEveryPartition(legacy, admin, application, topic, partitions);
        stopCleanly(processor);
        final Map<TopicPartition, Long> read = committed(admin, application, topic);

        // a backlog: 1,100 transactions updating every customer (91 rows each), captured while the processor is down
        final long before = sum(ends(admin, partitions));
        for (int round = 0; round < 1_100; round++) {
          TestDatabases.exec(legacy, "UPDATE customers SET city = 'Round " + round + "'");
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> sum(ends(admin, partitions)) >= before + 100_100);
        Thread.sleep(2_000);
        final Map<TopicPartition, Long> end = ends(admin, partitions);

        processor = ServiceProcess.start("processor", file, Map.of(), work.resolve("processor-1.log"));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
            .until(() -> sum(committed(admin, application, topic)) > sum(read) + 1_000);
        // deleted well ahead of where it reads: four fifths into each partition's backlog
        final Map<TopicPartition, Long> deletedTo = new HashMap<>();
        final Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        for (final TopicPartition tp : partitions) {
          deletedTo.put(tp, read.get(tp) + (end.get(tp) - read.get(tp)) * 4 / 5);
          delete.put(tp, RecordsToDelete.beforeOffset(deletedTo.get(tp)));
        }
        final Map<TopicPartition, Long> atDelete = committed(admin, application, topic);
        admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
        partitions.forEach(tp -> assertThat(atDelete.get(tp)).as("committed on %s when deleted", tp)
            .isLessThan(deletedTo.get(tp)));

        TestDatabases.exec(legacy, "UPDATE customers SET city = 'Kept' WHERE customer_id = 'BONAP'");
        await().atMost(Duration.ofMinutes(3)).until(() -> TestDatabases.count(target,
            "SELECT count(*) FROM customer WHERE code = 'BONAP' AND city = 'Kept'") == 1);
        assertThat(processor.isAlive()).as("the processor ran on").isTrue();

        final String log = Files.readString(work.resolve("processor-1.log"));
        assertThat(log).contains("were deleted by Kafka before the processor " + application)
            .contains("Repair: read public.customers again (ferry resnapshot --table public.customers)");
        final List<RunHistory.Entry> lost = config.sink().history().recent(RunHistory.Kind.RECORDS_LOST, 10);
        assertThat(lost).hasSameSizeAs(partitions).allMatch(e -> topic.equals(e.counts().get("topic")));
        for (final RunHistory.Entry e : lost) {
          final TopicPartition tp = new TopicPartition(topic, ((Number) e.counts().get("partition")).intValue());
          assertThat(((Number) e.counts().get("from")).longValue()).as("where the processor's consumer was")
              .isGreaterThanOrEqualTo(atDelete.get(tp)).isLessThan(deletedTo.get(tp));
          assertThat(((Number) e.counts().get("to")).longValue()).as("the oldest offset left")
              .isEqualTo(deletedTo.get(tp));
        }
      } finally {
        processor.destroy();
        if (!processor.waitFor(60, TimeUnit.SECONDS)) {
          processor.destroyForcibly();
        }
      }
    }
  }

  private static List<TopicPartition> partitions(final Admin admin, final String topic) throws Exception {
    final List<TopicPartition> out = new ArrayList<>();
    admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
        .forEach(p -> out.add(new TopicPartition(topic, p.partition())));
    return out;
  }

  /** Stopped as an operator stops it (SIGTERM): it commits what it read. */
  private static void stopCleanly(final Process processor) throws InterruptedException {
    processor.destroy();
    assertThat(processor.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Every customer changed once, and waited for until the processor has committed a position on each partition of the
   * customers' topic: the initial load (direct by default) goes around the CDC topics, so the processor has read
   * nothing of them before.
   */
  private static void readOnEveryPartition(final Connection legacy, final Admin admin, final String application,
      final String topic, final List<TopicPartition> partitions) throws Exception {
    TestDatabases.exec(legacy, "UPDATE customers SET city = city || ''");
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
      final Map<TopicPartition, Long> read = committed(admin, application, topic);
      final Map<TopicPartition, Long> end = ends(admin, partitions);
      return read.keySet().containsAll(partitions) && partitions.stream().allMatch(tp -> read.get(tp) >= end.get(tp)
          - 1);
    });
  }

  private static Map<TopicPartition, Long> committed(final Admin admin, final String group, final String topic)
      throws Exception {
    final Map<TopicPartition, Long> out = new HashMap<>();
    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
        .forEach((tp, o) -> {
          if (tp.topic().equals(topic) && o != null) {
            out.put(tp, o.offset());
          }
        });
    return out;
  }

  private static Map<TopicPartition, Long> ends(final Admin admin, final List<TopicPartition> partitions)
      throws Exception {
    final Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
    partitions.forEach(tp -> ask.put(tp, OffsetSpec.latest()));
    final Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(ask).all().get(30, TimeUnit.SECONDS).forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }

  private static long sum(final Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }
}
