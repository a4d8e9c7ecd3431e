package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.Reconciliation;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first start of a sync against databases as production has them, each of which stopped it or lost every row
 * before (one pipeline run for all three, for the suite's time; each fails the test alone without its fix):
 * <ul>
 *   <li><b>Time limits for Ferry's role</b> on both databases ({@code ALTER ROLE ... SET statement_timeout = '1ms'},
 *   {@code idle_in_transaction_session_timeout = '20ms'}, {@code idle_session_timeout} and {@code transaction_timeout}
 *   {@code = '50ms'}): Ferry's sessions start without them (PostgresSessions),
 *   so the check, the snapshot, the sink and reconcile run. Before, the check refused to start ("canceling statement
 *   due to statement timeout"); under a 20 ms limit in a sandbox run the snapshot and the sink retried without end.
 *   </li>
 *   <li><b>A legacy session idle in a transaction</b> when the capture first starts: PostgreSQL cannot create the
 *   replication slot until it ends. The capture waits before it starts Debezium and names it
 *   ({@code LegacyCapture.slotWaitsFor}); after its commit the sync runs, its change included. Before, Debezium's
 *   engine gave up after 40 s inside the slot's creation and the capture stopped for good, saying nothing of the
 *   transaction (held 40 s: no row within two minutes of its commit).</li>
 *   <li><b>The legacy connection lost while the snapshot reads the tables' structure</b>
 *   ({@link LostWhileReadingStructure}), after it took its position and before it read a row: Debezium restarts the
 *   capture and the snapshot is taken again. Before, the position of Debezium's "aborted" notification was stored
 *   and the restart skipped the snapshot: no row ever arrived.</li>
 * </ul>
 */
class FirstStartIT {
  private static final String ROLE = "it_first_ferry";
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void limitsForItsRoleAnIdleTransactionAndALostConnectionInTheSnapshotStillSyncEveryRow() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_first");
    TestDatabases.limitRole(stack.legacy(), env.legacyDatabase(), ROLE);
    TestDatabases.limitRole(stack.target(), env.targetDatabase(), ROLE);
    for (final String url : List.of(stack.legacy().jdbcUrl(env.legacyDatabase()),
        stack.target().jdbcUrl(env.targetDatabase()))) {
      // the limit bites a session that does not lift it: its query, or already the driver's own at its start (a
      // busy CI machine: "canceling statement due to user request", PostgreSQL's report of a 1 ms statement timeout
      // that fired as the driver's setup query ended)
      assertThatThrownBy(() -> {
        try (Connection plain = DriverManager.getConnection(url, ROLE, "")) {
          exec(plain, "SELECT pg_sleep(0.01)");
        }
      }).as("the limit bites a plain session").isInstanceOf(SQLException.class)
          .hasMessageContaining("canceling statement due to");
    }
    final FerryConfig config = FerryConfig.resolve(env.source()
        .with("legacy.user", ROLE, "test").with("target.user", ROLE, "test")
        // the lost connection is Debezium's snapshot's (DirectLoadIT runs the direct load under the same limits)
        .with("connector.initial-load", "kafka", "test")
        .with("debezium.converters", "ferrytext,lost", "test")
        .with("debezium.lost.type", LostWhileReadingStructure.class.getName(), "test")
        // Debezium restarts a failed capture after 10 s by default
        .with("debezium.retriable.restart.connector.wait.ms", "1000", "test"), EnumSet.allOf(Role.class),
        work.resolve("it_first"));
    LostWhileReadingStructure.FAILED.set(0);
    LostWhileReadingStructure.ARMED.set(1);

    try (Connection open = env.legacy(); Connection legacy = env.legacy(); Connection target = env.target()) {
      final long pid = count(open, "SELECT pg_backend_pid()");
      open.setAutoCommit(false);
      exec(open, "UPDATE customers SET city = 'Berlin Mitte' WHERE customer_id = 'ALFKI'");
      try (Pipeline pipeline = new Pipeline(config).start()) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
            assertThat(pipeline.capture().slotWaitsFor()).singleElement().asString()
                .startsWith("pid " + pid + " ").contains("idle in transaction"));
        assertThat(count(target, "SELECT count(*) FROM customer")).isZero();
        assertThat(pipeline.capture().finished()).isNotDone();

        open.commit();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
            .until(() -> RowCounts.of(legacy, target).match());
        assertThat(pipeline.capture().slotWaitsFor()).isEqualTo(List.of());
        assertThat(LostWhileReadingStructure.FAILED.get()).as("snapshots failed by the lost connection").isEqualTo(1);
        assertThat(RowCounts.of(legacy, target).target()).as("Northwind's orders and lines in the target")
            .containsValues(830L, 2155L);
        assertThat(count(target, "SELECT count(*) FROM customer WHERE code = 'ALFKI' AND city = 'Berlin Mitte'"))
            .as("the change the open transaction made, in the snapshot taken after it").isEqualTo(1);

        exec(legacy, "UPDATE orders SET freight = 77.70 WHERE order_id = 10250");
        await().atMost(Duration.ofMinutes(1)).until(() ->
            count(target, "SELECT count(*) FROM sales_order WHERE id = 10250 AND freight = 77.70") == 1);
        assertThat(pipeline.sink().failed()).isZero();

        final Reconciliation.Result result = Reconciliation.run(new Reconciliation.Inputs(
            config.processor().mapping(), () -> config.connector().connect(),
            () -> config.sink().connect("ferry-reconcile"), config.sink().versionColumn(), Duration.ZERO),
            Reconciliation.DeadLetterIndexSource.none(), new PrintStream(OutputStream.nullOutputStream()));
        assertThat(result.unexplained()).isZero();
        ReconcileReport.write(result, work.resolve("report"));
        final JsonNode report = new ObjectMapper().readTree(work.resolve("report").resolve("reconcile.json").toFile());
        assertThat(report.get("tables")).anySatisfy(t -> {
          assertThat(t.get("target").asText()).isEqualTo("sales_order_line");
          assertThat(t.get("expectedRows").asLong()).isEqualTo(2155);
          assertThat(t.get("targetRows").asLong()).isEqualTo(2155);
        });
      }
    } finally {
      LostWhileReadingStructure.ARMED.set(0);
    }
  }
}
