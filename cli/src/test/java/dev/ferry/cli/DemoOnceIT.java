package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.NorthwindDemo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/ferry demo --once}, as the README's first command runs it: own stack, Northwind, live workload. */
class DemoOnceIT {
  @TempDir
  Path work;

  @Test
  void endsWithNorthwindsCountsOnBothSidesAndSaysTheyMatch() throws Exception {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final boolean ok;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      ok = new NorthwindDemo(out, work).run(true);
    }
    final List<String> lines = buffer.toString(StandardCharsets.UTF_8).lines().toList();
    final List<String> last = lines.subList(lines.size() - 5, lines.size());
    assertThat(ok).isTrue();
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
    assertThat(work.resolve("report").resolve("reconcile.html")).exists();
  }
}
