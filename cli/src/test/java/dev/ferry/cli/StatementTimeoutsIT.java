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
import dev.ferry.embedded.EmbeddedDatabase;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy and target databases whose administrator limits every session of the role Ferry connects as, as
 * production databases often do for application roles: {@code ALTER ROLE ... SET statement_timeout = '1ms'} and
 * {@code idle_in_transaction_session_timeout = '20ms'}. The initial sync, a change streamed after it, and reconcile
 * go through all the same, since Ferry's sessions start without those limits (PostgresSessions).
 *
 * <p>Before, under a limit (20 ms in a sandbox run as shipped), the capture's snapshot was cancelled and retried
 * without end, the sink's batches were cancelled and retried, and the sandbox's export failed; and one cancelled
 * snapshot left a position that made the next start skip the snapshot altogether (SnapshotRetryIT).
 */
class StatementTimeoutsIT {
  private static final String ROLE = "it_timeouts_ferry";
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aRoleWhoseStatementsAreCancelledAfterAMillisecondStillSyncsAndReconciles() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_timeouts");
    limit(stack.legacy(), env.legacyDatabase());
    limit(stack.target(), env.targetDatabase());
    // the limits bite: a plain session of the role has a 10 ms statement cancelled
    for (final String url : new String[] {stack.legacy().jdbcUrl(env.legacyDatabase()),
        stack.target().jdbcUrl(env.targetDatabase())}) {
      try (Connection plain = DriverManager.getConnection(url, ROLE, "")) {
        assertThatThrownBy(() -> exec(plain, "SELECT pg_sleep(0.01)")).isInstanceOf(SQLException.class)
            .hasMessageContaining("statement timeout");
      }
    }
    final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.user", ROLE, "test")
        .with("target.user", ROLE, "test"), EnumSet.allOf(Role.class), work.resolve("it_timeouts"));

    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      exec(legacy, "UPDATE orders SET freight = 77.70 WHERE order_id = 10250");
      await().atMost(Duration.ofMinutes(1)).until(() ->
          count(target, "SELECT count(*) FROM sales_order WHERE id = 10250 AND freight = 77.70") == 1);
      assertThat(pipeline.sink().failed()).isZero();
      assertThat(RowCounts.of(legacy, target).match()).isTrue();

      final Reconciliation.Result result = Reconciliation.run(new Reconciliation.Inputs(config.processor().mapping(),
          () -> config.connector().connect(), () -> config.sink().connect("ferry-reconcile"),
          config.sink().versionColumn(), Duration.ZERO), Reconciliation.DeadLetterIndexSource.none(),
          new PrintStream(OutputStream.nullOutputStream()));
      assertThat(result.unexplained()).isZero();
      ReconcileReport.write(result, work.resolve("report"));
      final JsonNode report = new ObjectMapper().readTree(work.resolve("report").resolve("reconcile.json").toFile());
      assertThat(report.get("tables")).anySatisfy(t -> {
        assertThat(t.get("target").asText()).isEqualTo("sales_order_line");
        assertThat(t.get("expectedRows").asLong()).isEqualTo(2155);
        assertThat(t.get("targetRows").asLong()).isEqualTo(2155);
      });
    }
  }

  /** The role Ferry connects as, on {@code database} only, with the limits an administrator sets. */
  private static void limit(final EmbeddedDatabase server, final String database) throws SQLException {
    try (Connection c = server.connect(database)) {
      exec(c, "DO $$ BEGIN CREATE ROLE " + ROLE + " LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; "
          + "END $$");
      exec(c, "ALTER ROLE " + ROLE + " IN DATABASE " + database + " SET statement_timeout = '1ms'");
      exec(c, "ALTER ROLE " + ROLE + " IN DATABASE " + database + " SET idle_in_transaction_session_timeout = '20ms'");
    }
  }
}
