package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy transactions that move a unique value from one row to another, on a busy machine: each gives account A's
 * e-mail to account B and A a new one. The two rows are keyed apart, so their changes travel on different partitions
 * and reach the target, which has the same unique key, in either order. The target ends equal to the legacy database
 * with no dead letter: a row that takes a value before the other row has given it up waits parked, and applies once
 * it has. (Before: such rows were dead-lettered, 118 of the first 400 moves in a sandbox run, and the target ended
 * different.)
 */
class UniqueValueMovesIT {
  private static final int ACCOUNTS = 300;
  private static final int WRITERS = 2;
  private static final int MOVES_PER_WRITER = 250;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void valuesMovedBetweenRowsArriveWithoutADeadLetter() throws Exception {
    final String name = "it_unique_moves";
    final StringBuilder rows = new StringBuilder();
    for (int i = 1; i <= ACCOUNTS; i++) {
      rows.append(i == 1 ? "" : ", ").append("(").append(i).append(", 'user").append(i).append("@example.com')");
    }
    TestDatabases.create(stack, name, "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL UNIQUE); "
        + "INSERT INTO accounts VALUES " + rows,
        "CREATE TABLE account (id int PRIMARY KEY, email varchar(100) NOT NULL, ferry_version bigint NOT NULL, "
            + "CONSTRAINT account_email UNIQUE (email))");
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, """
        version: unique-moves-1
        tables:
          - source: public.accounts
            target: account
            fields: {id: id, email: email}
        """);
    final ConfigSource source = DemoEnvironment.configSource(stack, name, name + "_legacy", name + "_target",
        "public.accounts", "", mapping, work);
    final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), work);
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> emails(target, "account").size() == ACCOUNTS);
      final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      final List<Thread> writers = new ArrayList<>();
      try (BusyMachine busy = BusyMachine.start(2)) {
        for (int w = 0; w < WRITERS; w++) {
          final int writer = w;
          writers.add(new Thread(() -> {
            try {
              move(name, writer);
            } catch (SQLException | RuntimeException e) {
              errors.add(e);
            }
          }));
        }
        writers.forEach(Thread::start);
        for (final Thread t : writers) {
          t.join(Duration.ofMinutes(4).toMillis());
        }
        assertThat(errors).as("writer failures").isEmpty();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
            assertThat(emails(target, "account")).isEqualTo(emails(legacy, "accounts")));
      }
      assertThat(pipeline.sink().failed()).as("dead letters of the sink").isZero();
      // the count of rows parked is set once a retry's transaction committed, a moment after its rows show
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(pipeline.sink().parked()).as("rows still parked").isZero());
    }
  }

  /**
   * Writer {@code writer}'s moves, on its own half of the accounts (the two writers never touch one row, so the legacy
   * database's own unique key never refuses one of them): A's e-mail to B, a new one to A, in one transaction.
   */
  private void move(final String name, final int writer) throws SQLException {
    final Random random = new Random(31 + writer);
    final int half = ACCOUNTS / WRITERS;
    try (Connection c = stack.legacy().connect(name + "_legacy");
        PreparedStatement read = c.prepareStatement("SELECT email FROM accounts WHERE id = ?");
        PreparedStatement write = c.prepareStatement("UPDATE accounts SET email = ? WHERE id = ?")) {
      c.setAutoCommit(false);
      for (int n = 1; n <= MOVES_PER_WRITER; n++) {
        final int a = writer * half + 1 + random.nextInt(half);
        int b = writer * half + 1 + random.nextInt(half);
        if (b == a) {
          b = writer * half + 1 + (a - writer * half) % half;
        }
        read.setInt(1, a);
        final String email;
        try (ResultSet rs = read.executeQuery()) {
          rs.next();
          email = rs.getString(1);
        }
        write.setString(1, "moved-" + writer + "-" + n + "@example.com");
        write.setInt(2, a);
        write.executeUpdate();
        write.setString(1, email);
        write.setInt(2, b);
        write.executeUpdate();
        c.commit();
      }
    }
  }

  private static Map<Integer, String> emails(final Connection c, final String table) throws SQLException {
    final Map<Integer, String> out = new TreeMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, email FROM " + table)) {
      while (rs.next()) {
        out.put(rs.getInt(1), rs.getString(2));
      }
    }
    return out;
  }
}
