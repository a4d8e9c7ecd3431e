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
    TestDatabases.create(stack, name, "CREATE TABLE item (id int PRIMARY KEY, label text); "
            + "INSERT INTO item SELECT g, 'item ' || g FROM generate_series(1, 30000) g",
        "CREATE TABLE item (id int PRIMARY KEY, label text, ferry_version bigint NOT NULL)");
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, "tables:\n  - {source: public.item, target: item, fields: {id: id, label: label}}\n");
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.item", "", mapping, work), EnumSet.allOf(Role.class), work);
    try (BusyMachine busy = BusyMachine.start(2); Pipeline pipeline = new Pipeline(config).start();
        Connection target = stack.target().connect(name + "_target")) {
      final List<String> problems = new ArrayList<>();
      final boolean drained = PipelineDrain.await(pipeline, Duration.ofMinutes(4), () -> true, () -> { },
          () -> false, problems::add);
      assertThat(drained).as("drained: %s", problems).isTrue();
      // no waiting here: drained must already mean applied
      assertThat(count(target)).isEqualTo(30_000);
    }
  }

  private static long count(final Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM item")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
