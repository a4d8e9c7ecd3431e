package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.TopicToEnd;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole source transactions: while writers change orders with their lines on the legacy Northwind
 * database, a reader polls the target the whole time and must never see a torn order ({@link TornOrderCheck}).
 * Midway the legacy server ends the capture's replication session (an administrator's script, a network blip, a
 * proxy's idle cut): Debezium reconnects by itself within the same capture, resumes from the position it last
 * confirmed and sends again what came after; nothing may be lost or torn by that either.
 */
class NoTornOrdersIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aReaderOfTheTargetNeverSeesAnOrderWithoutTheLinesItsTransactionWrote() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_torn");
    try (Pipeline pipeline = new Pipeline(env.config()).start();
        Connection legacy = env.legacy(); Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());

      final TornOrderCheck check = TornOrderCheck.start(env, 2, 30_000, 1_000, 1, 0);
      await().atMost(Duration.ofMinutes(1)).until(() -> check.transactions() >= 60);
      // the direct initial load has the rows in the target before Debezium's engine streams: on a busy machine its
      // replication session may not be there yet (seen once: nothing to end)
      await().atMost(Duration.ofMinutes(1)).until(() -> TestDatabases.count(legacy, "SELECT count(*) FROM "
          + "pg_stat_replication r JOIN pg_stat_activity a USING (pid) WHERE r.state = 'streaming' "
          + "AND a.datname = current_database()") > 0);
      assertThat(TestDatabases.count(legacy, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) "
          + "FROM pg_stat_activity WHERE backend_type = 'walsender' AND datname = current_database()) t"))
          .as("the capture's replication sessions ended").isPositive();
      check.finish(legacy, target, Duration.ofMinutes(3), 300, 100, "");
      assertThat(pipeline.capture().finished()).as("the capture still runs").isNotDone();
      assertThat(pipeline.sink().failed()).isZero();
      everyPartitionCarriesProgressMarks(env);
    }
  }

  /**
   * The connector's progress marks, which let the processor tell a partition that is behind from a quiet one: in
   * every partition of every CDC topic, the quiet customers topic too, and the newest within the marks' step
   * (1 s of source time) of the newest change captured.
   */
  private void everyPartitionCarriesProgressMarks(final DemoEnvironment env) {
    final var kafka = env.config().processor().kafka();
    final var topics = kafka.topics(new ConfluentRegistryClient(stack.registry().url()));
    final long[] newestChange = {0};
    final Map<String, Map<Integer, Long>> newestMark = new TreeMap<>();
    for (final String table : List.of("public.orders", "public.order_details", "public.customers")) {
      final var topic = topics.cdc(table);
      newestMark.put(table, new TreeMap<>());
      TopicToEnd.read(kafka, topic, r -> {
        final ChangeEvent e = r.value();
        if (e.getOp() == ChangeOp.PROGRESS) {
          newestMark.get(table).merge(r.partition(), e.getSource().getTsMs(), Math::max);
        } else if (e.getOp() != ChangeOp.COMMIT && !e.getSource().getSnapshot()) {
          newestChange[0] = Math.max(newestChange[0], e.getSource().getTsMs());
        }
      });
    }
    assertThat(newestChange[0]).as("streamed changes captured").isPositive();
    for (final var marks : newestMark.entrySet()) {
      assertThat(marks.getValue().keySet()).as("partitions of %s with progress marks", marks.getKey())
          .hasSize(kafka.partitions());
      assertThat(marks.getValue().values()).as("newest progress marks of %s", marks.getKey())
          .allSatisfy(ts -> assertThat(newestChange[0] - ts).isLessThan(1_000));
    }
  }
}
