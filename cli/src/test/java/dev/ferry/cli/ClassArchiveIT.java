package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class data sharing as shipped: {@code scripts/ferry sink} without an archive writes one when it stops cleanly
 * after {@link ClassArchive#LEAST_UPTIME}, and its next start maps it ({@code -Xshare:on} makes a start that cannot
 * map it fail instead of running without it). In a directory of its own ({@code FERRY_CDS_DIR}): the integration
 * tests run in two JVMs at once, and the other's services write the shipped directory's archives.
 */
class ClassArchiveIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  /** The first four bytes of a whole dynamic CDS archive (little-endian on x86 and ARM). */
  private static final int DYNAMIC_ARCHIVE_MAGIC = 0xf00baba8;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;
  private Path archive;

  @Test
  void aServiceWritesItsClassArchiveOnACleanStopAndItsNextStartMapsIt() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_cds");
    final Path config = ServiceProcess.writeConfig(env, work.resolve("ferry.yaml"), Set.of());
    archive = work.resolve("cds").resolve("sink.jsa");

    final String first = runAndStop(config, work.resolve("first.log"), Map.of(),
        ClassArchive.LEAST_UPTIME.plusSeconds(2));
    assertThat(first).contains("class archive " + archive + " written");
    assertThat(archive).isRegularFile();
    final ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(archive), 0, 4).order(ByteOrder.nativeOrder());
    assertThat(head.getInt()).as("the archive's header is whole").isEqualTo(DYNAMIC_ARCHIVE_MAGIC);
    assertThat(Files.list(archive.getParent()).map(Path::toString).toList())
        .as("no half-written archive left beside it").noneMatch(p -> p.endsWith(".tmp"));

    final String second = runAndStop(config, work.resolve("second.log"), Map.of("FERRY_JAVA_OPTS", "-Xshare:on"),
        Duration.ZERO);
    assertThat(second).contains("sink it_cds-sink started").doesNotContain("class archive");
  }

  /** Runs {@code scripts/ferry sink} until it has started and run {@code least}, then stops it with SIGTERM. */
  private String runAndStop(final Path config, final Path log, final Map<String, String> environment,
      final Duration least) throws Exception {
    final ProcessBuilder pb = new ProcessBuilder(List.of("bash", ROOT.resolve("scripts/ferry").toString(), "sink",
        "--config", config.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("FERRY_NO_BUILD", "1");
    pb.environment().put("FERRY_CDS_DIR", archive.getParent().toString());
    pb.environment().putAll(environment);
    final Process sink = pb.start();
    try {
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() ->
          !sink.isAlive() || Files.readString(log).contains("sink it_cds-sink started"));
      assertThat(sink.isAlive()).as("the sink runs: " + Files.readString(log)).isTrue();
      // counted from its start line, not from the launch: on a busy machine the script and the JVM's own start took
      // seconds, and a service stopped 22 s after its launch had run less than the 20 s that earn an archive
      Thread.sleep(least.toMillis());
      sink.destroy();
      assertThat(sink.waitFor(90, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
      return Files.readString(log);
    } finally {
      if (sink.isAlive()) {
        sink.destroyForcibly();
      }
    }
  }
}
