package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/ferry demo --once}, as the README's first command runs it and as it ships (the script, its class
 * path, its own JVM): own stack, Northwind, live workload.
 */
class DemoOnceIT {
  @TempDir
  Path work;

  @Test
  void endsWithNorthwindsCountsOnBothSidesAndSaysTheyMatch() throws Exception {
    // the report is on standard output; the logs, on standard error, may come at any moment (a WARN as the stack
    // stops), so they are kept apart and shown only when something fails
    final Path out = work.resolve("demo.txt");
    final Path err = work.resolve("demo-log.txt");
    final ProcessBuilder pb = new ProcessBuilder("bash", Path.of("").toAbsolutePath().getParent()
        .resolve("scripts/ferry").toString(), "demo", "--once", "--work-dir", work.resolve("stack").toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("FERRY_NO_BUILD", "1");
    // a user's tuning applies to the demo as to the services, and says so; where things are stays the demo's own
    pb.environment().put("FERRY_SINK_BATCH_SIZE", "700");
    pb.environment().put("FERRY_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9");
    final Process demo = pb.start();
    if (!demo.waitFor(5, TimeUnit.MINUTES)) {
      demo.destroyForcibly();
      throw new AssertionError("the demo did not end within 5 minutes: " + Files.readString(out)
          + Files.readString(err));
    }
    final List<String> lines = Files.readString(out).lines().toList();
    assertThat(demo.exitValue()).as("exit code; output: %s; log: %s", lines, Files.readString(err)).isZero();
    assertThat(lines).contains("From the environment: FERRY_SINK_BATCH_SIZE");
    final List<String> last = lines.subList(lines.size() - 5, lines.size());
    assertThat(last.get(0)).matches("customers +-> customer +source +91 +target +91 +OK");
    assertThat(last.get(1)).matches("products +-> product +source +77 +target +77 +OK");
    assertThat(last.get(2)).matches("orders +-> sales_order +source +830 +target +830 +OK");
    assertThat(last.get(3)).matches("order_details +-> sales_order_line +source +2,155 +target +2,155 +OK");
    assertThat(last.get(4)).isEqualTo("RESULT: source and target match");
    assertThat(lines).as("the default initial load: read by the connector, not through the CDC topics")
        .anyMatch(l -> l.startsWith("[initial sync complete] rows loaded 3,153 | events captured 0 | rows applied "
            + "3,153 |"));
    assertThat(lines).anyMatch(l -> l.startsWith("Workload done: ") && !l.startsWith("Workload done: 0 orders"));
    assertThat(lines).anyMatch(l -> l.matches("  sales_order_line: legacy 2,155, expected 2,155, target 2,155; missing 0, "
        + "extra 0, different 0, refused 0; explained 0, unexplained 0 .*"));
    assertThat(lines).anyMatch(l -> l.startsWith("Reconciliation: 0 unexplained, 0 explained difference(s); report "));
    assertThat(work.resolve("stack").resolve("report").resolve("reconcile.html")).exists();
  }
}
