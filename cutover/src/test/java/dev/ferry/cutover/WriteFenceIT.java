package dev.ferry.cutover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.schemas.PostgresSessions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cutover's write fence on a real PostgreSQL: an application's writes to a fenced table (by its name, through its
 * partitioned parent, or to a partition by the partition's name, a TRUNCATE) are refused with SQLSTATE 25006 naming
 * the table and the run; a session carrying Ferry's setting writes; raising waits for an open writer and is exact
 * about it; a writer that holds on is named; a user without the privileges is told which; lifting restores writes.
 */
class WriteFenceIT {
  @TempDir
  static Path work;
  private static EmbeddedDatabase pg;
  private static String url;
  private static final List<String> TABLES = List.of("Sales.Orders", "public.lines");

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedDatabase.start(work, "fence");
    url = pg.createDatabase("fence");
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA \"Sales\"");
      s.execute("CREATE TABLE \"Sales\".\"Orders\" (id int PRIMARY KEY, note text)");
      s.execute("CREATE TABLE lines (order_id int, line int, PRIMARY KEY (order_id, line)) PARTITION BY RANGE "
          + "(order_id)");
      s.execute("CREATE TABLE lines_low PARTITION OF lines FOR VALUES FROM (0) TO (1000)");
      s.execute("CREATE TABLE untouched (id int PRIMARY KEY)");
      s.execute("CREATE ROLE reader LOGIN");
      s.execute("GRANT USAGE ON SCHEMA \"Sales\" TO reader");
      s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA \"Sales\", public TO reader");
      // may create triggers, but only an owner may disable or drop one: it could raise the fence and never lift it
      s.execute("CREATE ROLE trigger_only LOGIN");
      s.execute("GRANT USAGE, CREATE ON SCHEMA \"Sales\", public TO trigger_only");
      s.execute("GRANT TRIGGER ON ALL TABLES IN SCHEMA \"Sales\", public TO trigger_only");
    }
  }

  @AfterAll
  static void stop() {
    if (pg != null) {
      pg.close();
    }
  }

  @AfterEach
  void lift() throws Exception {
    try (Connection c = connect()) {
      WriteFence.lift(c, TABLES);
    }
  }

  @Test
  void fencedTablesRefuseTheApplicationAndLetFerrysSinkWriteUntilLifted() throws Exception {
    try (Connection ferry = connect(); Connection app = connect();
        Connection sink = connect()) {
      final List<String> fenced = WriteFence.raise(ferry, TABLES, "run-1");
      assertThat(fenced).containsExactly("\"Sales\".\"Orders\"", "public.lines", "public.lines_low");
      assertThat(WriteFence.fenced(ferry, TABLES)).isEqualTo(fenced);

      refused(app, "INSERT INTO \"Sales\".\"Orders\" VALUES (1, 'app')", "Sales.Orders");
      refused(app, "INSERT INTO lines VALUES (1, 1)", "public.lines");
      refused(app, "INSERT INTO lines_low VALUES (1, 2)", "public.lines_low");
      refused(app, "UPDATE \"Sales\".\"Orders\" SET note = 'x'", "Sales.Orders");
      refused(app, "TRUNCATE \"Sales\".\"Orders\"", "Sales.Orders");
      try (Statement s = app.createStatement()) {
        s.execute("INSERT INTO untouched VALUES (1)");
      }

      try (Statement s = sink.createStatement()) {
        s.execute("SET " + PostgresSessions.FENCE_PASS + " = 'sink'");
        s.execute("INSERT INTO \"Sales\".\"Orders\" VALUES (2, 'sink')");
        s.execute("INSERT INTO lines_low VALUES (2, 1)");
        s.execute("DELETE FROM lines WHERE order_id = 2");
      }
      assertThat(count(app, "SELECT count(*) FROM \"Sales\".\"Orders\" WHERE note = 'sink'")).isEqualTo(1);

      // raised again (the same run resumed, or another): it stands, naming the newest run
      assertThat(WriteFence.raise(ferry, TABLES, "run-2")).isEqualTo(fenced);
      refused(app, "DELETE FROM \"Sales\".\"Orders\"", "fenced by cutover run-2");

      assertThat(WriteFence.lift(ferry, TABLES)).isEqualTo(fenced);
      assertThat(WriteFence.fenced(ferry, TABLES)).isEmpty();
      assertThat(WriteFence.lift(ferry, TABLES)).isEmpty();
      try (Statement s = app.createStatement()) {
        s.execute("INSERT INTO \"Sales\".\"Orders\" VALUES (3, 'app again')");
        s.execute("INSERT INTO lines_low VALUES (3, 1)");
      }
    }
  }

  @Test
  void anApplicationReadingInAnOpenTransactionDoesNotHoldTheLiftUp() throws Exception {
    try (Connection ferry = connect(); Connection app = connect()) {
      WriteFence.raise(ferry, TABLES, "run-read");
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.executeQuery("SELECT count(*) FROM \"Sales\".\"Orders\"").close();
        s.executeQuery("SELECT count(*) FROM lines").close();
      }
      // idle in its transaction, holding its read locks: DROP TRIGGER would wait for it, disabling does not
      final long started = System.nanoTime();
      assertThat(WriteFence.lift(ferry, TABLES)).hasSize(3);
      assertThat((System.nanoTime() - started) / 1_000_000).as("ms to lift").isLessThan(5_000);
      assertThat(WriteFence.fenced(ferry, TABLES)).isEmpty();
      try (Statement s = app.createStatement()) {
        s.execute("INSERT INTO \"Sales\".\"Orders\" VALUES (30, 'while reading')");
      }
      app.commit();
      // the triggers it could not drop stay disabled; raised again, they are enabled, naming the new run
      assertThat(count(app, "SELECT count(*) FROM pg_trigger WHERE tgname = 'ferry_fence' AND tgenabled = 'D'"))
          .isPositive();
      WriteFence.raise(ferry, TABLES, "run-again");
      app.setAutoCommit(true);
      refused(app, "INSERT INTO lines_low VALUES (30, 1)", "fenced by cutover run-again");
    }
  }

  @Test
  void raisingWaitsForAnOpenWriterSoThatNoApplicationWriteCommitsAfterIt() throws Exception {
    try (Connection ferry = connect(); Connection app = connect()) {
      final long ferryPid = count(ferry, "SELECT pg_backend_pid()");
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.execute("INSERT INTO \"Sales\".\"Orders\" VALUES (10, 'open')");
      }
      final CompletableFuture<List<String>> raising = CompletableFuture.supplyAsync(() -> {
        try {
          return WriteFence.raise(ferry, TABLES, "run-wait", 30);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // the raise waits on a lock the writer holds (seen from a third session), and is not done while it waits
      final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      try (Connection watcher = connect()) {
        while (count(watcher, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + ferryPid
            + " AND wait_event_type = 'Lock'") == 0) {
          assertThat(System.nanoTime()).as("the raise waiting on a lock within 20 s").isLessThan(deadline);
          Thread.sleep(50);
        }
      }
      assertThat(raising).as("the fence waits for the open writer").isNotDone();
      app.commit();
      assertThat(raising.get(30, TimeUnit.SECONDS)).contains("\"Sales\".\"Orders\"");
      try (Statement s = app.createStatement()) {
        assertThatThrownBy(() -> s.execute("INSERT INTO \"Sales\".\"Orders\" VALUES (11, 'late')"))
            .isInstanceOf(SQLException.class).hasMessageContaining("fenced");
      }
      app.rollback();
      app.setAutoCommit(true);
      assertThat(count(app, "SELECT count(*) FROM \"Sales\".\"Orders\" WHERE id = 10")).isEqualTo(1);
    }
  }

  @Test
  void aWriterThatHoldsOnIsNamedAndNothingIsFenced() throws Exception {
    try (Connection ferry = connect(); Connection app = connect()) {
      try (Statement s = app.createStatement()) {
        s.execute("SET application_name = 'billing-job'");
      }
      app.setAutoCommit(false);
      try (Statement s = app.createStatement()) {
        s.execute("INSERT INTO lines_low VALUES (20, 1)");
      }
      assertThatThrownBy(() -> WriteFence.raise(ferry, TABLES, "run-held", 1))
          .isInstanceOf(WriteFence.Refused.class).hasMessageContaining("billing-job")
          .hasMessageContaining("idle in transaction").hasMessageContaining("for more than 1s");
      assertThat(WriteFence.fenced(ferry, TABLES)).as("nothing fenced").isEmpty();
      app.commit();
    }
  }

  @Test
  void aUserWhoCouldNotLiftTheFenceIsToldWhichTablesBeforeRaisingIt() throws Exception {
    try (Connection reader = java.sql.DriverManager.getConnection(url, "reader", "")) {
      assertThat(WriteFence.denied(reader, TABLES)).contains("may not fence \"Sales\".\"Orders\", public.lines, "
          + "public.lines_low").contains("it must own those tables");
    }
    try (Connection triggers = java.sql.DriverManager.getConnection(url, "trigger_only", "")) {
      assertThat(WriteFence.denied(triggers, TABLES)).contains("may not fence \"Sales\".\"Orders\", public.lines, "
          + "public.lines_low");
      // what the check stands for: such a user's fence could not be taken down again
      try (Connection owner = connect()) {
        WriteFence.raise(owner, List.of("public.lines"), "run-owner");
      }
      assertThatThrownBy(() -> WriteFence.lift(triggers, List.of("public.lines"))).isInstanceOf(SQLException.class)
          .hasMessageContaining("must be owner");
    }
    try (Connection owner = connect()) {
      assertThat(WriteFence.denied(owner, TABLES)).isNull();
    }
  }

  private static Connection connect() throws SQLException {
    return java.sql.DriverManager.getConnection(url, EmbeddedDatabase.USER, "");
  }

  private static void refused(final Connection c, final String sql, final String named) {
    assertThatThrownBy(() -> {
      try (Statement s = c.createStatement()) {
        s.execute(sql);
      }
    }).as(sql).isInstanceOfSatisfying(SQLException.class, e -> {
      assertThat(e.getSQLState()).isEqualTo("25006");
      assertThat(e.getMessage()).contains(named);
    });
  }

  private static long count(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
