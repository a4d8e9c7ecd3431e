package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Drained" (what {@code sandbox --once} and the demo wait for before they export or compare) means the
 * snapshot finished and everything it produced is in the target. Checked right after the pipeline starts,
 * with the cores kept busy, which is when "nothing published yet" used to pass for "drained".
 */
class DrainIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void drainedMeansEverySnapshotRowIsInTheTargetEvenOnABusyMachine() throws Exception {
    final String name = "it_drain";
    stack.legacy().createDatabase(name + "_legacy");
    stack.target().createDatabase(name + "_target");
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      s.execute("CREATE TABLE item (id int PRIMARY KEY, label text)");
      s.execute("INSERT INTO item SELECT g, 'item ' || g FROM generate_series(1, 30000) g");
    }
    try (Connection target = stack.target().connect(name + "_target"); Statement s = target.createStatement()) {
      s.execute("CREATE TABLE item (id int PRIMARY KEY, label text, ferry_version bigint NOT NULL)");
    }
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, "tables:\n  - {source: public.item, target: item, fields: {id: id, label: label}}\n");
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.item", "", mapping, work), EnumSet.allOf(Role.class), work);
    final AtomicBoolean busy = new AtomicBoolean(true);
    final List<Thread> burners = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      final Thread t = new Thread(() -> {
        final long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long x = 0;
        while (busy.get() && System.nanoTime() < until) {
          x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
      });
      t.start();
      burners.add(t);
    }
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection target = stack.target().connect(name + "_target")) {
      final List<String> problems = new ArrayList<>();
      final boolean drained = PipelineDrain.await(pipeline, Duration.ofMinutes(4), () -> true, () -> { },
          () -> false, problems::add);
      assertThat(drained).as("drained: %s", problems).isTrue();
      // no waiting here: drained must already mean applied
      assertThat(count(target)).isEqualTo(30_000);
    } finally {
      busy.set(false);
      for (final Thread t : burners) {
        t.join(Duration.ofSeconds(10).toMillis());
      }
    }
  }

  private static long count(final Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM item")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
