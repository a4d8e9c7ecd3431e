package dev.ferry.cli;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.RawValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Ferry's services as production runs them, for the tests: {@code ferry <role> --config FILE} in its own JVM. */
final class ServiceProcess {
  private ServiceProcess() {
  }

  /** Writes {@code env}'s configuration to {@code file} as YAML, without the keys in {@code leaveOut}. */
  static Path writeConfig(final DemoEnvironment env, final Path file, final Set<String> leaveOut) throws IOException {
    final Map<String, RawValue> values = new TreeMap<>(env.source().values());
    values.keySet().removeAll(leaveOut);
    final StringBuilder yaml = new StringBuilder("# written by a test\n");
    values.forEach((k, v) -> yaml.append(k).append(": \"").append(v.text()).append("\"\n"));
    Files.writeString(file, yaml.toString());
    return file;
  }

  /** Starts {@code ferry role --config config} on this test's classpath, its output appended to {@code log}. */
  static Process start(final String role, final Path config, final Map<String, String> environment, final Path log)
      throws IOException {
    final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    final ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.ferry.cli.Ferry", role, "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(environment);
    return pb.start();
  }
}
