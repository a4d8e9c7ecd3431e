package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.embedded.EmbeddedMariaDb;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sink's contract against MariaDB, plus what is particular to it: upserts by primary key only, never through
 * another unique key. The server is a private one the test starts ({@link EmbeddedMariaDb}, where the machine has
 * {@code mariadbd}), so that nothing depends on a shared server's state; {@code FERRY_IT_MARIADB_URL},
 * {@code FERRY_IT_MARIADB_USER}, {@code FERRY_IT_MARIADB_PASSWORD} name another; without either, the one at
 * 127.0.0.1:3306. Skipped, with the reason, where no MariaDB answers.
 */
class MariaDbTargetSinkIT extends TargetSinkContract {
  private static final String GIVEN_URL = System.getenv("FERRY_IT_MARIADB_URL");
  private static String url = GIVEN_URL != null ? GIVEN_URL : "jdbc:mariadb://127.0.0.1:3306/";
  private static final String USER = System.getenv().getOrDefault("FERRY_IT_MARIADB_USER", "root");
  private static final String PASSWORD = System.getenv().getOrDefault("FERRY_IT_MARIADB_PASSWORD", "");
  private static final List<String> CREATED = new CopyOnWriteArrayList<>();
  private static EmbeddedMariaDb privateServer;

  private static Connection server(final String database) throws SQLException {
    final Properties p = new Properties();
    p.put("user", USER);
    p.put("password", PASSWORD);
    p.put("connectTimeout", "3000");
    return DriverManager.getConnection(url + database, p);
  }

  @BeforeAll
  static void mariaDbAnswers() {
    if (GIVEN_URL == null && EmbeddedMariaDb.unavailableBecause() == null) {
      privateServer = EmbeddedMariaDb.startTemporary("target");
      url = privateServer.jdbcUrl("");
    }
    try (Connection c = server("")) {
      Assumptions.assumeTrue(c.isValid(3), "MariaDB at " + url + " does not answer");
    } catch (SQLException e) {
      final String why = "no MariaDB answers at " + url + " (user " + USER + "): " + e.getMessage()
          + "; skipping the MariaDB target tests (set FERRY_IT_MARIADB_URL to point them at one)";
      // the build log shows skipped classes only as a count; say why where a reader looks
      System.out.println("[WARNING] MariaDbTargetSinkIT SKIPPED: " + why);
      Assumptions.abort(why);
    }
  }

  @AfterAll
  static void dropDatabases() throws SQLException {
    if (privateServer != null) {
      privateServer.close();
      return;
    }
    if (CREATED.isEmpty()) {
      return;
    }
    try (Connection c = server(""); Statement s = c.createStatement()) {
      for (final String db : CREATED) {
        s.execute("DROP DATABASE IF EXISTS `" + db + "`");
      }
    }
  }

  @Override
  protected TargetDatabase target() {
    return new TargetDatabase() {
      @Override
      public void create(final String name) throws SQLException {
        try (Connection c = server(""); Statement s = c.createStatement()) {
          s.execute("CREATE DATABASE `" + name + "`");
        }
        CREATED.add(name);
      }

      @Override
      public Connection connect(final String database) throws SQLException {
        return server(database);
      }

      @Override
      public String jdbcUrl(final String database) {
        return url + database;
      }

      @Override
      public String user() {
        return USER;
      }

      @Override
      public String limitedUser(final String database) throws SQLException {
        final String user = database + "_limited";
        try (Connection c = server(database); java.sql.Statement s = c.createStatement()) {
          // MariaDB's limit in seconds; an account's own, so that the tests beside this one are not limited. At
          // localhost, which a connection to 127.0.0.1 is, or the anonymous account there would be taken instead
          for (final String host : List.of("localhost", "%")) {
            s.execute("CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY '' WITH MAX_STATEMENT_TIME 0.001");
            s.execute("GRANT ALL ON `" + database + "`.* TO '" + user + "'@'" + host + "'");
          }
        }
        return user;
      }
    };
  }

  @Override
  protected String tenMillisecondQuery() {
    // SLEEP() and BENCHMARK() cut short return instead of failing; a scan fails with error 1969
    return "SELECT sum(a.seq % 7) FROM seq_1_to_3000000 a";
  }

  @Override
  protected String checkViolationState() {
    return "23000";
  }

  @Override
  protected String exactText(final int length) {
    return "varchar(" + length + ") COLLATE utf8mb4_nopad_bin";
  }

  @Override
  protected String missingReferenceState() {
    return "23000";
  }

  @Override
  protected String uniqueClashState() {
    return "23000";
  }

  private static ApplyRecord customer(final int id, final String email, final String name, final long version) {
    return ApplyRecord.newBuilder().setTable("customer").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", id)))
        .setRow(List.of(Columns.of("id", id), Columns.of("email", email), Columns.of("name", name)))
        .setVersion(version).setSourceTable("public.customer").setSourceTsMs(0L).build();
  }

  @Test
  void aClashOnAnotherUniqueKeyIsDeadLetteredAndNeverOverwritesTheRowThatHoldsIt() throws Exception {
    final Env env = env("maria_unique");
    execute(env.db(), "CREATE TABLE customer (id int PRIMARY KEY, email varchar(100) NOT NULL, "
        + "name varchar(50) NOT NULL, ferry_version bigint NOT NULL, CONSTRAINT customer_email UNIQUE (email))");
    send(env, List.of(customer(1, "ann@example.com", "Ann", 10), customer(2, "bob@example.com", "Bob", 11)));
    try (TargetSink sink = new TargetSink(parking(env, Duration.ofSeconds(2))).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied >= 2", () -> sink.applied() >= 2);
      // id 3 takes Ann's e-mail (parked, then dead-lettered, as Ann keeps it): ON DUPLICATE KEY UPDATE would have rewritten row 1 as Eve
      send(env, List.of(customer(3, "ann@example.com", "Eve", 12), customer(2, "bob@new.example.com", "Bob", 13)));
      SinkWait.until(sink, Duration.ofMinutes(1), "applied + failed >= 4", () -> sink.applied() + sink.failed() >= 4);
      assertThat(sink.failed()).isEqualTo(1);
    }
    assertThat(count(env, "customer", "id = 1 AND name = 'Ann' AND email = 'ann@example.com' "
        + "AND ferry_version = 10")).isEqualTo(1);
    assertThat(count(env, "customer", "id = 3")).isZero();
    assertThat(count(env, "customer", "id = 2 AND email = 'bob@new.example.com' AND ferry_version = 13"))
        .isEqualTo(1);
    final DeadLetter d = readDeadLetters(env, 1).get(0);
    assertThat(d.getSourceKey()).isEqualTo("3");
    assertThat(d.getErrors().get(0).getRule()).isEqualTo("sink.23000");
    assertThat(d.getErrors().get(0).getField()).isEqualTo("customer_email");
    assertThat(d.getErrors().get(0).getValue()).isEqualTo("ann@example.com");
  }

  @Test
  void valuesOfEveryKindLandAsTheyWereSent() throws Exception {
    final Env env = env("maria_types");
    execute(env.db(), "CREATE TABLE sample (id bigint PRIMARY KEY, price decimal(12,4), born date, "
        + "seen datetime(6), note text, flag boolean, data varbinary(16), ratio double, at time(6), ends time, "
        + "ferry_version bigint NOT NULL)");
    final long micros = LocalDateTime.of(2024, 2, 29, 13, 45, 1, 123_456_000)
        .toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000L + 123_456;
    final ApplyRecord full = ApplyRecord.newBuilder().setTable("sample").setOp(ApplyOp.UPSERT)
        .setKey(List.of(Columns.of("id", 5_000_000_000L)))
        .setRow(List.of(Columns.of("id", 5_000_000_000L), Columns.of("price", "12345678.9012", "decimal"),
            Columns.of("born", (int) LocalDate.of(1961, 8, 4).toEpochDay(), "date"),
            Columns.of("seen", micros, "timestamp-micros"), Columns.of("note", "it's \"quoted\"\ttabbed, ünïcödé ✓"),
            Columns.of("flag", true), Columns.of("data", ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff})),
            Columns.of("ratio", 0.1), Columns.of("at", 45_296_000_001L, "time-micros"),
            Columns.of("ends", LogicalValues.END_OF_DAY_MICROS, "time-micros")))
        .setVersion(1).setSourceTable("public.sample").setSourceTsMs(0L).build();
    final ApplyRecord nulls = ApplyRecord.newBuilder(full).setKey(List.of(Columns.of("id", 6L)))
        .setRow(List.of(Columns.of("id", 6L), Columns.of("price", null, "decimal"), Columns.of("born", null, "date"),
            Columns.of("seen", null, "timestamp-micros"), Columns.of("note", null), Columns.of("flag", null),
            Columns.of("data", null), Columns.of("ratio", null), Columns.of("at", null, "time-micros"),
            Columns.of("ends", null, "time-micros")))
        .build();
    send(env, List.of(full, nulls));
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied >= 2", () -> sink.applied() >= 2);
      assertThat(sink.failed()).isZero();
    }
    try (Connection c = target().connect(env.db()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT price, born, seen, note, flag, data, ratio, at, ends FROM sample "
            + "ORDER BY id DESC")) {
      rs.next();
      assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("12345678.9012");
      assertThat(rs.getObject(2, LocalDate.class)).isEqualTo(LocalDate.of(1961, 8, 4));
      assertThat(rs.getObject(3, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2024, 2, 29, 13, 45, 1, 123_456_000));
      assertThat(rs.getString(4)).isEqualTo("it's \"quoted\"\ttabbed, ünïcödé ✓");
      assertThat(rs.getBoolean(5)).isTrue();
      assertThat(rs.getBytes(6)).containsExactly(0, 1, 0xff);
      assertThat(rs.getDouble(7)).isEqualTo(0.1);
      assertThat(rs.getString(8)).isEqualTo("12:34:56.000001");
      assertThat(rs.getString(9)).as("the end of a day, which no LocalTime holds").isEqualTo("24:00:00");
      rs.next();
      for (int i = 1; i <= 9; i++) {
        assertThat(rs.getObject(i)).as("column %d of the all-NULL row", i).isNull();
      }
    }
  }

  @Test
  void aValueTheColumnCannotHoldIsAnErrorNotATruncation() throws Exception {
    final Env env = env("maria_strict");
    execute(env.db(), "CREATE TABLE customer (id int PRIMARY KEY, email varchar(100) NOT NULL, "
        + "name varchar(5) NOT NULL, ferry_version bigint NOT NULL)");
    send(env, List.of(customer(1, "a@example.com", "Alexandra", 1), customer(2, "b@example.com", "Bo", 2)));
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied + failed >= 2", () -> sink.applied() + sink.failed() >= 2);
      assertThat(sink.failed()).isEqualTo(1);
    }
    assertThat(count(env, "customer", "true")).isEqualTo(1);
    final DeadLetter d = readDeadLetters(env, 1).get(0);
    assertThat(d.getSourceKey()).isEqualTo("1");
    assertThat(d.getErrors().get(0).getField()).isEqualTo("name");
    assertThat(d.getErrors().get(0).getMessage()).contains("too long");
  }
}
