package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.count;
import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture resumes where it stood at the end of a transaction while another one, begun before, was still open,
 * and that other transaction's next change was the log record right after the commit: nothing of it may be lost.
 *
 * <p>Two writers, as any legacy application has them: A inserts an order with a line and stays open; B commits an
 * update; at once A updates its order, a change written at the very log position B's commit ended at. The capture
 * publishes B and stores its end as its position; then the legacy server ends the capture's replication session,
 * and A commits. PostgreSQL sends A whole on the new session. Debezium 3.6, resuming from a position whose last
 * change and last commit are the same log position, took A's update at that position for the change it had stored,
 * skipped A up to it (the order and its line) and passed only what followed: the order never reached the target
 * (debezium/dbz#76, fixed in Debezium 3.7). Ferry stores a position without Debezium's "last processed" part
 * ({@code ResumePositions}), so Debezium resumes at the log position and PostgreSQL itself sends every transaction
 * that commits after it, whole.
 */
class ResumeBesideOpenTransactionIT {
  private static final Pattern COMMIT = Pattern.compile("\"lsn_commit\":(\\d+)");
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void anOpenTransactionWhoseChangeFollowsTheStoredCommitArrivesWhole() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_resume");
    final Path dir = work.resolve("it_resume_run");
    // a heartbeat record every second carries the position of the last commit to the offset store; its action query
    // would write a transaction of its own after B's commit and move the stored position past A's update
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.heartbeat-interval", "1s", "test")
        .with("debezium.heartbeat.action.query", "SELECT 1", "test"), EnumSet.allOf(Role.class), dir);
    final Path positions = config.connector().offsetFile();
    try (Pipeline pipeline = new Pipeline(config).start(); Connection a = env.legacy(); Connection b = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(b, target).match());
      await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.capture().streaming());

      a.setAutoCommit(false);
      // the case needs A's update to be the very next log record after B's commit: another writer's record in
      // between (PostgreSQL's own, a checkpoint's) makes a run that shows nothing, so such a run is done again
      int order = 0;
      for (int attempt = 1; order == 0; attempt++) {
        assertThat(attempt).as("tries to set up the case").isLessThanOrEqualTo(3);
        final int id = 32_000 + attempt;
        exec(a, "INSERT INTO orders (order_id, customer_id, freight, ship_name) VALUES (" + id + ", 'ALFKI', 1, "
            + "'open')");
        exec(a, "INSERT INTO order_details VALUES (" + id + ", 1, 1.5, 1, 0)");
        exec(b, "UPDATE orders SET freight = " + (10 + attempt) + " WHERE order_id = 10250");
        final long afterB = walInsertPosition(a);
        exec(a, "UPDATE orders SET freight = 2 WHERE order_id = " + id);
        final int freight = 10 + attempt;
        await().atMost(Duration.ofMinutes(1)).until(() ->
            count(target, "SELECT count(*) FROM sales_order WHERE id = 10250 AND freight = " + freight) == 1);
        // the stored position: the end of B's commit, where A's update was written
        if (storedCommitReaches(positions, afterB)) {
          order = id;
        } else {
          a.commit();
        }
      }
      final int id = order;

      assertThat(count(b, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          + "WHERE backend_type = 'walsender' AND datname = current_database()) t"))
          .as("the capture's replication session ended").isPositive();
      a.commit();

      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = " + id + " AND freight = 2"))
            .as("A's order, in its final state").isEqualTo(1);
        assertThat(count(target, "SELECT count(*) FROM sales_order_line WHERE order_id = " + id))
            .as("A's line").isEqualTo(1);
      });
      assertThat(pipeline.capture().finished()).as("the capture still runs").isNotDone();
      exec(b, "UPDATE orders SET freight = 12.12 WHERE order_id = 10250");
      await().atMost(Duration.ofMinutes(1)).until(() ->
          count(target, "SELECT count(*) FROM sales_order WHERE id = 10250 AND freight = 12.12") == 1);
      assertThat(RowCounts.of(b, target).match()).isTrue();
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /** Where the next log record will be written, as a number. */
  private static long walInsertPosition(final Connection c) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Whether the capture's stored position comes to the commit that ended at {@code position} within 10 s, and not
   * past it.
   */
  private static boolean storedCommitReaches(final Path file, final long position) throws Exception {
    final long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long stored = storedCommit(file);
    while (stored < position && System.nanoTime() < until) {
      Thread.sleep(200);
      stored = storedCommit(file);
    }
    return stored == position;
  }

  /** The last commit position in the capture's stored position, or -1 before one is stored. */
  private static long storedCommit(final Path file) throws Exception {
    if (!Files.exists(file)) {
      return -1;
    }
    final Matcher m = COMMIT.matcher(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    long last = -1;
    while (m.find()) {
      last = Long.parseLong(m.group(1));
    }
    return last;
  }
}
