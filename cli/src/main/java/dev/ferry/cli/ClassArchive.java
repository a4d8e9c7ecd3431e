package dev.ferry.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Class data sharing for the services (AppCDS): the classes a service loads (Kafka, Kafka Streams, Debezium, the
 * JDBC drivers) are parsed and verified once into an archive that every later start maps, so that three services
 * started together on a machine of few cores reach their work sooner (docs/benchmarks.md, session 22).
 *
 * <p>{@code scripts/ferry} starts a service whose archive is missing or older than the build or the JDK with
 * {@code -XX:+RecordDynamicDumpInfo} and {@code -Dferry.class-archive=FILE}; this class writes the archive when that
 * service stops cleanly after it has run at least {@link #LEAST_UPTIME}, so that the archive holds the classes of
 * its work, not only those of a start that failed on its configuration. Written to a file of its own and then
 * renamed, so that a start meanwhile never maps half an archive. A failure to write it is a warning, never an
 * error: the next start runs without an archive and tries again.
 */
final class ClassArchive {
  /** The system property naming the archive to write; unset: write none. */
  static final String PROPERTY = "ferry.class-archive";
  /** How long a service must have run before its classes are worth archiving. */
  static final Duration LEAST_UPTIME = Duration.ofSeconds(20);
  private static final Logger LOG = LoggerFactory.getLogger(ClassArchive.class);

  private ClassArchive() {
  }

  /** Writes the archive {@link #PROPERTY} names, if it names one and this JVM has run long enough. */
  static void writeIfAsked() {
    final String file = System.getProperty(PROPERTY);
    if (file == null || file.isBlank()
        || ManagementFactory.getRuntimeMXBean().getUptime() < LEAST_UPTIME.toMillis()) {
      return;
    }
    final Path archive = Path.of(file).toAbsolutePath();
    final Path written = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    try {
      final long started = System.nanoTime();
      ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmCds",
          new Object[] {new String[] {"dynamic_dump", written.toString()}}, new String[] {String[].class.getName()});
      if (!Files.isRegularFile(written) || Files.size(written) == 0) {
        LOG.warn("class archive {} not written (the JVM wrote nothing; started without "
            + "-XX:+RecordDynamicDumpInfo?): the next start runs without one", archive);
        return;
      }
      Files.move(written, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("class archive {} written ({} MB in {} ms): the next start maps it", archive,
          Files.size(archive) >> 20, (System.nanoTime() - started) / 1_000_000);
    } catch (Exception | Error e) {
      LOG.warn("class archive {} not written ({}): the next start runs without one and tries again", archive,
          e.toString());
    } finally {
      try {
        Files.deleteIfExists(written);
      } catch (java.io.IOException e) {
        LOG.debug("cannot remove {}: {}", written, e.toString());
      }
    }
  }
}
