package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Severity;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor stopped for three times its transaction and orphan timeouts while writers change orders with
 * their lines on the legacy database, then started again with the backlog: no reader of the target ever sees a
 * torn order, nothing is dead-lettered, and the target ends equal to the source. The timeouts count input time,
 * so the downtime itself times nothing out. They are 5 s here (10 minutes by default): short enough for a test,
 * long enough that one partition of a task running ahead of another on a loaded machine does not matter (input
 * time is the latest commit time the task has read in any of its partitions).
 */
class ProcessorDowntimeIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aProcessorDownLongerThanItsTimeoutsTearsNoOrderAndOrphansNoLine() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_downtime");
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("processor.transaction-timeout", "5s", "test")
        .with("processor.orphan-timeout", "5s", "test"), EnumSet.allOf(Role.class), work.resolve("it_downtime"));
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final AtomicBoolean writing = new AtomicBoolean(true);
      final ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
      final AtomicInteger reads = new AtomicInteger();
      final AtomicInteger transactions = new AtomicInteger();
      final Thread reader = new Thread(() -> NoTornOrdersIT.read(env, writing, torn, reads));
      final List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        final int base = 20_000 + w * 5_000;
        final long seed = 100 + w;
        writers.add(new Thread(() -> {
          for (int round = 0; round < 12; round++) {
            NoTornOrdersIT.write(env, base + round * 300, seed + round, transactions);
          }
        }));
      }
      reader.start();
      writers.forEach(Thread::start);

      // stopped in the middle of the workload: transactions of which it has read some commit markers and not all
      // are held in its state, and the writers go on committing while it is down
      await().atMost(Duration.ofMinutes(1)).until(() -> transactions.get() >= 150);
      pipeline.stopProcessor();
      final int writtenAtStop = transactions.get();
      Thread.sleep(Duration.ofSeconds(16).toMillis());
      assertThat(transactions.get()).as("transactions written while the processor was down")
          .isGreaterThan(writtenAtStop);
      pipeline.startProcessor();

      for (final Thread t : writers) {
        t.join(Duration.ofMinutes(4).toMillis());
      }
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(NorthwindRows.actualOrders(target)).isEqualTo(NorthwindRows.expectedOrders(legacy));
        assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy));
      });
      writing.set(false);
      reader.join(Duration.ofMinutes(1).toMillis());

      assertThat(transactions.get()).as("writer transactions").isGreaterThanOrEqualTo(1_000);
      assertThat(reads.get()).as("consistent reads of the target during the run").isGreaterThan(100);
      assertThat(torn).as("torn orders seen by the reader").isEmpty();
      assertThat(refusals(config)).as("rows dead-lettered (orphans, torn transactions)").isEmpty();
    }
  }

  /**
   * The refusals on the dead-letter topic (letters with an ERROR; Northwind's own data draws warnings), read to
   * its end, as {@code stage source-key rule}.
   */
  private List<String> refusals(final FerryConfig config) {
    final var topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final Properties p = new Properties();
    p.put("bootstrap.servers", stack.kafka().bootstrapServers());
    p.put("group.id", "downtime-reader");
    p.put("auto.offset.reset", "earliest");
    final List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer())) {
      final List<TopicPartition> partitions = c.partitionsFor(topics.deadLetter().name()).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(partitions);
      final Map<TopicPartition, Long> end = c.endOffsets(partitions);
      final long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < until) {
        for (final ConsumerRecord<String, DeadLetter> r : c.poll(Duration.ofMillis(200))) {
          if (r.value().getErrors().stream().anyMatch(e -> e.getSeverity() == Severity.ERROR)) {
            out.add(r.value().getStage() + " " + r.value().getSourceKey() + " " + r.value().getErrors().get(0).getRule());
          }
        }
      }
    }
    return out;
  }
}
