package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.config.RawValue;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production way to run Ferry: three JVMs, {@code ferry connector|processor|sink --config ferry.yaml},
 * sharing nothing but Kafka, with environment variables overriding the file.
 */
class SeparateServicesIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void threeServicesFromOneConfigFileSyncTheLegacyDatabase() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_services");
    final Map<String, RawValue> values = new TreeMap<>(env.source().values());
    final String targetUrl = values.remove("target.jdbc-url").text();
    final StringBuilder yaml = new StringBuilder("# written by SeparateServicesIT\n");
    values.forEach((k, v) -> yaml.append(k).append(": \"").append(v.text()).append("\"\n"));
    final Path file = work.resolve("ferry.yaml");
    Files.writeString(file, yaml.toString());

    final List<Process> services = new ArrayList<>();
    try (Connection legacy = env.legacy(); Connection target = env.target()) {
      for (final String role : List.of("sink", "processor", "connector")) {
        services.add(start(role, file, Map.of("FERRY_TARGET_JDBC_URL", targetUrl)));
      }
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .until(() -> RowCounts.of(legacy, target).match());
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE order_details SET quantity = 77 WHERE order_id = 10250");
      }
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() ->
          assertThat(NorthwindRows.actualLines(target)).isEqualTo(NorthwindRows.expectedLines(legacy)));
      assertThat(NorthwindRows.actualLines(target).get("10250|41").get(1)).isEqualTo("77");
      services.forEach(p -> assertThat(p.isAlive()).as("service pid %d still running", p.pid()).isTrue());
    } finally {
      for (final Process p : services) {
        p.destroy();
      }
      for (final Process p : services) {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  private Process start(final String role, final Path config, final Map<String, String> env) throws Exception {
    final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.ferry.cli.Ferry", role, "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(work.resolve(role + ".log").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }
}
