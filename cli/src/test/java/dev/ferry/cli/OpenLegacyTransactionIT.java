package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legacy session left idle in a transaction when the capture first starts: PostgreSQL cannot create the capture's
 * replication slot until that transaction ends. The capture waits for it before it starts Debezium and names it
 * ({@code LegacyCapture.slotWaitsFor}, the connector's readiness, a warning every 10 s); once it is committed, the
 * initial sync runs and every row arrives.
 *
 * <p>Before, Debezium started at once, its slot creation waited, and its engine gave up after 40 s ("Time out while
 * waiting for source task to start"): the capture stopped for good, saying nothing of the transaction, while the
 * processor and the sink ran on with nothing to apply (a run with the transaction held 40 s: no row arrived
 * within two minutes of its commit).
 */
class OpenLegacyTransactionIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void theCaptureWaitsForAnOpenLegacyTransactionNamesItAndSyncsOnceItEnds() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_opentx");
    try (Connection open = env.legacy(); Connection legacy = env.legacy(); Connection target = env.target()) {
      final long pid = count(open, "SELECT pg_backend_pid()");
      open.setAutoCommit(false);
      exec(open, "UPDATE customers SET city = 'Berlin Mitte' WHERE customer_id = 'ALFKI'");
      try (Pipeline pipeline = new Pipeline(env.config()).start()) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
            assertThat(pipeline.capture().slotWaitsFor()).singleElement().asString()
                .startsWith("pid " + pid + " ").contains("idle in transaction"));
        assertThat(count(target, "SELECT count(*) FROM customer")).isZero();
        assertThat(pipeline.capture().finished()).isNotDone();

        open.commit();
        await().atMost(Duration.ofMinutes(2)).until(() -> RowCounts.of(legacy, target).match());
        assertThat(pipeline.capture().slotWaitsFor()).isEqualTo(List.of());
        assertThat(count(target, "SELECT count(*) FROM customer WHERE code = 'ALFKI' AND city = 'Berlin Mitte'"))
            .as("the change the open transaction made, in the snapshot taken after it").isEqualTo(1);
        assertThat(pipeline.sink().failed()).isZero();
      }
    }
  }
}
