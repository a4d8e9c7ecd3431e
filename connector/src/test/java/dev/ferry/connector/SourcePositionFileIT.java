package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture's position file survives SIGKILL at any moment of its writing: a process writing positions without
 * pause ({@link PositionWriter}) is killed eight times, at random, and after each kill the file holds a whole
 * position, one the process wrote, no older than the one before the kill. Kafka's own file store, killed the same
 * way (by hand, session 24), was left empty by 11 kills of 20 and cut short by one; it reads an empty file as no
 * position at all, and the capture then takes a new snapshot ({@link SourcePositionFile}).
 */
class SourcePositionFileIT {
  private static final Pattern LSN = Pattern.compile("^\\{\"lsn\":(\\d+),\"pad\":\"x*\"}$");

  @TempDir
  Path dir;

  @Test
  void everyKillLeavesAWholePositionTheWriterWrote() throws Exception {
    final Path file = dir.resolve("offsets.dat");
    final Random random = new Random(5);
    final List<String> found = new ArrayList<>();
    long last = 0;
    for (int kill = 1; kill <= 8; kill++) {
      final Process writer = start(file, last + 1);
      Thread.sleep(5 + random.nextInt(150));
      writer.destroyForcibly();
      assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();

      SourcePositionFile.check(file);
      final String position = SourcePositionFileTest.read(new SourcePositionFile(), file);
      found.add(position == null ? "none" : position.replaceAll("x+", "x.."));
      assertThat(position).as("the position after kill %d", kill).isNotNull().matches(LSN);
      final Matcher m = LSN.matcher(position);
      assertThat(m.matches()).isTrue();
      final long lsn = Long.parseLong(m.group(1));
      assertThat(lsn).as("the position after kill %d (all found: %s)", kill, found).isGreaterThan(last);
      assertThat(position).isEqualTo(PositionWriter.position(lsn));
      last = lsn;
    }
  }

  /** Starts a writer from position {@code first} and returns once it has written that one. */
  static Process start(final Path file, final long first) throws Exception {
    return start("ferry", file, first);
  }

  static Process start(final String store, final Path file, final long first) throws Exception {
    final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    final Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        PositionWriter.class.getName(), store, file.toString(), Long.toString(first))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    final String line = out.readLine();
    if (!"written".equals(line)) {
      p.destroyForcibly();
      throw new IllegalStateException("the position writer did not start: " + line);
    }
    return p;
  }
}
