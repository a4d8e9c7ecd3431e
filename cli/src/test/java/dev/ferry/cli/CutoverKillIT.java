package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.LiveDirection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry cutover} as shipped ({@code scripts/ferry}, its classpath), killed with kill -9 while it waits in the
 * drain and again while it waits for the sinks to answer the flip, then run again: it resumes, finishes, and nothing
 * is lost (the change made before the freeze arrives) or doubled (one freeze, one flip).
 */
class CutoverKillIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void killedInTheDrainAndInTheFlipTheSameCommandResumesAndFinishes() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_cutkill");
    final Path back = Files.createDirectories(work.resolve("it_cutkill_back"));
    final Path forwardFile = work.resolve("forward.yaml");
    final Path reverseFile = work.resolve("reverse.yaml");
    final ConfigSource forwardSource = env.cutoverSource()
        .with("cutover.reverse-config", reverseFile.toString(), "test");
    final FerryConfig forwardConfig = FerryConfig.resolve(forwardSource, EnumSet.allOf(Role.class), work);
    Files.writeString(back.resolve("mapping.yaml"), Directions.reverseMapping(forwardConfig, System.out).yaml());
    final ConfigSource reverseSource = env.reverseSource(back.resolve("mapping.yaml"), back);
    write(forwardSource, forwardFile);
    write(reverseSource, reverseFile);
    final FerryConfig reverseConfig = FerryConfig.resolve(reverseSource, EnumSet.allOf(Role.class), back);

    // ferry check reads the reverse configuration the forward one names, and says what the round trip restores
    final Running check = start("check", "-c", forwardFile.toString());
    assertThat(check.awaitExit(Duration.ofMinutes(1))).as(check.output()).isZero();
    assertThat(check.output()).contains("reverse.yaml: OK (the reverse mapping fits the new and legacy databases)")
        .contains("initial load direct: the connector reads the tables and maps them itself")
        .contains("round trip legacy -> new -> legacy: 17 legacy columns exact, 23 lossy, 0 not restored")
        .contains("public.orders.freight: lossy (decimal, scale 2: digits beyond 2 were rounded (half-even))");
    final Path wrongFile = work.resolve("wrong.yaml");
    write(forwardSource.with("cutover.reverse-config", forwardFile.toString(), "test"), wrongFile);
    final Running wrong = start("check", "-c", wrongFile.toString());
    assertThat(wrong.awaitExit(Duration.ofMinutes(1))).as(wrong.output()).isEqualTo(2);
    assertThat(wrong.output()).contains("cutover.direction").contains("must say cutover.direction: reverse")
        .contains("Nothing was started.");

    try (Pipeline forward = new Pipeline(forwardConfig).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      // the processor is down when the legacy application's last change is made: the drain has to wait for it
      forward.stopProcessor();
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE orders SET ship_city = 'Graz-last' WHERE order_id = 10260");
      }

      // Ferry fences the legacy tables at the freeze (the option as shipped); the fence outlives the kills
      final Running inDrain = start("cutover", "-c", forwardFile.toString(), "--fence");
      inDrain.awaitOutput("3. drain past");
      assertThat(inDrain.output()).contains("fenced 4 table(s) of");
      Thread.sleep(3_000);
      inDrain.kill();
      assertThat(inDrain.output()).doesNotContain("drained in");

      forward.startProcessor();
      final Running inFlip = start("cutover", "-c", forwardFile.toString(), "--writers-stopped");
      inFlip.awaitOutput("reverse is live from now");
      Thread.sleep(2_000);
      inFlip.kill();
      assertThat(inFlip.output()).contains("resuming cutover").contains("(done: [preflight, freeze])")
          .doesNotContain("2. freeze").contains("drained in").contains("the gate is open")
          .doesNotContain("the forward sink holds and the reverse sink applies");

      try (Pipeline reverse = new Pipeline(reverseConfig).start()) {
        final Running last = start("cutover", "-c", forwardFile.toString(), "--writers-stopped");
        assertThat(last.awaitExit(Duration.ofMinutes(3))).as(last.output()).isZero();
        assertThat(last.output()).contains("(done: [preflight, freeze, drain, gate, sequences])")
            .contains("reverse is live already (epoch 1)").contains("the forward sink holds and the reverse sink "
                + "applies").doesNotContain("drain past");

        assertThat(count(target, "SELECT count(*) FROM sales_order WHERE id = 10260 AND ship_city = 'Graz-last'"))
            .as("the change made before the freeze arrived").isEqualTo(1);
        final var state = LiveDirection.read(forwardConfig.sink().kafka(), forwardConfig.sink().control().topic())
            .state();
        assertThat(state.direction()).isEqualTo(LiveDirection.Direction.REVERSE);
        assertThat(state.epoch()).as("flipped once").isEqualTo(1);
        final List<RunHistory.Entry> steps = forwardConfig.sink().history().recent(RunHistory.Kind.CUTOVER, 50);
        assertThat(steps.stream().filter(e -> "freeze".equals(e.counts().get("step"))).count()).as("frozen once")
            .isEqualTo(1);
        assertThat(steps).extracting(e -> e.counts().get("run")).as("one run, resumed twice").containsOnly(
            steps.get(0).counts().get("run"));

        try (Statement s = target.createStatement()) {
          s.execute("UPDATE sales_order SET ship_city = 'Graz-new' WHERE id = 10261");
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> count(legacy, "SELECT count(*) FROM orders WHERE order_id "
            + "= 10261 AND ship_city = 'Graz-new'") == 1);
        assertThat(RowCounts.of(legacy, target).match()).isTrue();

        // the reverse sink wrote the fenced legacy tables (above); the legacy application may not, until --unfence
        assertThatThrownBy(() -> {
          try (Statement s = legacy.createStatement()) {
            s.execute("UPDATE orders SET ship_city = 'Graz-fenced' WHERE order_id = 10262");
          }
        }).isInstanceOfSatisfying(java.sql.SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
        final Running status = start("status", "-c", forwardFile.toString());
        assertThat(status.awaitExit(Duration.ofMinutes(1))).as(status.output()).isZero();
        assertThat(status.output()).contains("live direction: reverse (epoch 1, set").contains("this configuration is "
            + "the forward direction: holding").contains("sink/it_cutkill-sink").contains("standby")
            .contains("cutover to reverse, report: forward -> reverse done")
            .contains("(the forward direction's source): 4 table(s) refuse application writes (public.customers")
            // the forward direction drained at the cutover, and holds since: nothing on its way
            .containsPattern("forward direction behind: capture [0-9,]+ kB of WAL not confirmed[^;]*; processor 0 "
                + "record\\(s\\) of its CDC topics not committed; sink 0 record\\(s\\)")
            .contains("(the reverse direction's source): none");
        final Running unfence = start("cutover", "-c", forwardFile.toString(), "--unfence");
        assertThat(unfence.awaitExit(Duration.ofMinutes(1))).as(unfence.output()).isZero();
        assertThat(unfence.output()).contains("lifted the fence from 4 table(s) of");
        try (Statement s = legacy.createStatement()) {
          s.execute("UPDATE orders SET ship_city = 'Graz-unfenced' WHERE order_id = 10262");
        }
      }
    }
  }

  /** A configuration source as a flat YAML file (dotted keys), as an operator could write it. */
  private static void write(final ConfigSource source, final Path file) throws Exception {
    final StringBuilder y = new StringBuilder();
    for (final Map.Entry<String, dev.ferry.config.RawValue> e : new TreeMap<>(source.values()).entrySet()) {
      y.append(e.getKey()).append(": \"").append(e.getValue().text().replace("\\", "\\\\").replace("\"", "\\\""))
          .append("\"\n");
    }
    Files.writeString(file, y.toString());
  }

  /** {@code scripts/ferry args}, running, its output in a file. */
  private final class Running {
    private final Process process;
    private final Path out;

    Running(final Process process, final Path out) {
      this.process = process;
      this.out = out;
    }

    String output() throws Exception {
      return Files.readString(out);
    }

    void awaitOutput(final String text) {
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
        if (!process.isAlive() && !output().contains(text)) {
          throw new AssertionError("ferry exited " + process.exitValue() + " before printing '" + text + "': "
              + output());
        }
        return output().contains(text);
      });
    }

    /** kill -9: no shutdown hook, nothing flushed or closed. */
    void kill() throws Exception {
      process.destroyForcibly();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(137);
    }

    int awaitExit(final Duration timeout) throws Exception {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("ferry did not exit within " + timeout + ": " + output());
      }
      return process.exitValue();
    }
  }

  private Running start(final String... args) throws Exception {
    final Path root = Path.of("").toAbsolutePath().getParent();
    final List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/ferry").toString()));
    command.addAll(List.of(args));
    final Path out = Files.createTempFile(work, "ferry-", ".txt");
    final ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    pb.environment().put("FERRY_NO_BUILD", "1");
    return new Running(pb.start(), out);
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
