package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static dev.ferry.cli.HistoryTable.legacyRows;
import static dev.ferry.cli.HistoryTable.rows;
import static dev.ferry.cli.HistoryTable.targetRows;

import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.sink.TargetSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An append-only table ({@code legacy.append-only}) under a writer that repeats rows (multi-row INSERTs and COPYs of
 * equal rows, transactions of several inserts) while the connector, running as shipped in its own JVM, is killed with SIGKILL
 * (its own PID) twice: the batches it had sent are sent again by the restarted capture, and still every legacy row is
 * in the target exactly as often as in the legacy table, none twice, none lost, nothing dead-lettered.
 */
class AppendOnlyCrashIT {
  private static final String LEGACY = HistoryTable.LEGACY + """
      INSERT INTO history SELECT g % 10, 1, g % 10, 1, '2026-12-01 10:00', NULL FROM generate_series(1, 500) g;
      """;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void twoKillNinesOfTheConnectorLeaveEveryRowOnceAsOftenAsInTheLegacyTable() throws Exception {
    final String name = "it_append_only_crash";
    TestDatabases.create(stack, name, LEGACY, HistoryTable.TARGET);
    final ConfigSource source = HistoryTable.config(stack, name, work);
    final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), work);
    final Path file = work.resolve("connector.yaml");
    final StringBuilder yaml = new StringBuilder("# written by a test\n");
    source.values().forEach((k, v) -> yaml.append(k).append(": \"").append(v.text()).append("\"\n"));
    Files.writeString(file, yaml.toString());
    final Random random = new Random(13);
    try (TargetSink sink = new TargetSink(config.sink()).start();
        StreamProcessor processor = new StreamProcessor(config.processor()).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      Process connector = start(file);
      final AtomicBoolean writing = new AtomicBoolean(true);
      final AtomicReference<Throwable> writerFailed = new AtomicReference<>();
      final Thread writer = new Thread(() -> write(name, writing, writerFailed), "append-only-writer");
      try {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(targetRows(target)).hasSize(500));
        writer.start();
        for (int kill = 1; kill <= 2; kill++) {
          awaitMarker(legacy, target, kill, connector);
          Thread.sleep(300 + random.nextInt(2_000));
          assertThat(connector.isAlive()).as("connector %d still running before its kill", kill).isTrue();
          connector.destroyForcibly();
          assertThat(connector.waitFor(30, TimeUnit.SECONDS)).isTrue();
          connector = start(file);
        }
        awaitMarker(legacy, target, 3, connector);
        writing.set(false);
        writer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(writerFailed.get()).as("the writer's failure").isNull();
        final long rows = TestDatabases.count(legacy, "SELECT count(*) FROM history");
        assertThat(rows).as("rows the writer added").isGreaterThan(600);
        try {
          await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
              assertThat(targetRows(target)).as("every legacy row as often as the legacy table holds it")
                  .hasSize((int) rows).isEqualTo(legacyRows(legacy)));
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(e.getMessage() + "\n" + surplus(legacy, target), e);
        }
        assertThat(DeadLetterReader.all(stack, config)).isEmpty();
        assertThat(sink.failed()).isZero();
      } finally {
        writing.set(false);
        connector.destroy();
        if (!connector.waitFor(60, TimeUnit.SECONDS)) {
          connector.destroyForcibly();
        }
      }
    }
  }

  /**
   * Writes until told to stop (3 minutes at most): three equal rows in one INSERT, or a transaction of two to four
   * inserts that repeat a row, about every 5 ms; the values repeat across transactions too.
   */
  private void write(final String name, final AtomicBoolean writing, final AtomicReference<Throwable> failed) {
    final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    final Random random = new Random(17);
    try (Connection c = stack.legacy().connect(name + "_legacy"); Statement s = c.createStatement()) {
      for (int i = 0; writing.get() && System.nanoTime() < deadline; i++) {
        final int k = i % 25;
        final int kind = random.nextInt(3);
        if (kind == 2) {
          // one multi-insert log record: its rows share a log position
          new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class)).copyIn(
              "COPY history FROM STDIN", new java.io.StringReader((k + "\t4\t" + k + "\t3\t2026-12-02 07:00\t\\N\n")
                  .repeat(1 + random.nextInt(5))));
        } else if (kind == 1) {
          s.execute("INSERT INTO history SELECT " + k + ", 2, " + k + ", 7, '2026-12-02 08:00', 'x' "
              + "FROM generate_series(1, 3)");
        } else {
          c.setAutoCommit(false);
          for (int n = 2 + random.nextInt(3); n > 0; n--) {
            s.execute("INSERT INTO history VALUES (" + k + ", 3, " + (n % 2) + ", 9, '2026-12-02 09:00', NULL)");
          }
          c.commit();
          c.setAutoCommit(true);
        }
        Thread.sleep(5);
      }
    } catch (SQLException | java.io.IOException | InterruptedException | RuntimeException e) {
      failed.set(e);
    }
  }

  /** Commits marker row {@code n} (delta -n) and waits until the target holds it, failing if the connector died. */
  private static void awaitMarker(final Connection legacy, final Connection target, final int n,
      final Process connector) throws SQLException {
    try (Statement s = legacy.createStatement()) {
      s.execute("INSERT INTO history VALUES (0, 0, 0, " + -n + ", '2026-12-03 00:00', 'marker')");
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> !connector.isAlive()
        || TestDatabases.count(target, "SELECT count(*) FROM account_history WHERE delta = " + -n) > 0);
    assertThat(connector.isAlive()).as("the connector is alive once marker %d is in the target", n).isTrue();
  }

  /** The target rows whose values the target holds more often than the legacy table, with positions and versions. */
  private static String surplus(final Connection legacy, final Connection target) throws SQLException {
    final java.util.Map<String, Integer> want = new java.util.HashMap<>();
    legacyRows(legacy).forEach(r -> want.merge(r, 1, Integer::sum));
    final java.util.Map<String, Integer> have = new java.util.HashMap<>();
    targetRows(target).forEach(r -> have.merge(r, 1, Integer::sum));
    final StringBuilder out = new StringBuilder();
    for (final var e : have.entrySet()) {
      if (e.getValue() > want.getOrDefault(e.getKey(), 0)) {
        out.append(e.getKey()).append(": target ").append(e.getValue()).append(", legacy ")
            .append(want.getOrDefault(e.getKey(), 0)).append('\n');
        rows(target, "SELECT position || ' v' || ferry_version FROM account_history WHERE teller || '|' || branch || "
            + "'|' || account || '|' || delta || '|' || to_char(at, 'YYYY-MM-DD HH24:MI:SS') = '" + e.getKey()
            + "' ORDER BY 1")
            .forEach(r -> out.append("  ").append(r).append('\n'));
      }
    }
    return out.toString();
  }

  private Process start(final Path config) throws Exception {
    return ServiceProcess.start("connector", config, Map.of(), work.resolve("connector.log"));
  }
}
