package dev.ferry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A benchmark run's working directory: the services' logs and configuration, the reports, and the data of the
 * embedded stack (the broker's log segments, Kafka Streams' state), which a run of a million rows leaves at 50 MB or
 * more. Once the stack is down, {@link #close} removes that data and keeps what a reader of the figures looks at,
 * so that runs one after another do not fill {@code /tmp}; {@code BENCH_KEEP_DATA=1} keeps everything.
 */
final class BenchWork implements AutoCloseable {
  /** Subdirectories kept: the reconcile benchmark's reports. */
  private static final Set<String> KEPT = Set.of("report");

  private final Path dir;

  private BenchWork(final Path dir) {
    this.dir = dir;
  }

  /**
   * A new directory {@code ferry-bench-<name>-...} under the system's temporary directory. Open it before the
   * embedded stack in one {@code try}, so that it is closed after the stack has stopped.
   */
  static BenchWork create(final String name) throws IOException {
    return new BenchWork(Files.createTempDirectory("ferry-bench-" + name + "-"));
  }

  Path dir() {
    return dir;
  }

  /**
   * Removes the run's data (every subdirectory but reports), unless {@code BENCH_KEEP_DATA=1}, and says where the
   * logs are; never throws over a file it could not remove.
   */
  @Override
  public void close() {
    final boolean keep = "1".equals(System.getenv("BENCH_KEEP_DATA"));
    long freed = 0;
    if (!keep) {
      try (Stream<Path> children = Files.list(dir)) {
        for (final Path data : children.filter(Files::isDirectory)
            .filter(d -> !KEPT.contains(d.getFileName().toString())).toList()) {
          freed += delete(data);
        }
      } catch (IOException | UncheckedIOException e) {
        System.out.println("could not remove the run's data in " + dir + ": " + e.getMessage());
      }
    }
    System.out.println("logs in " + dir + (keep ? ""
        : String.format(java.util.Locale.ROOT, " (the run's data, %,d MB, removed; BENCH_KEEP_DATA=1 keeps it)",
            freed >> 20)));
  }

  /** Deletes {@code dir} and what it holds; the bytes of the files removed. */
  private static long delete(final Path dir) throws IOException {
    final List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.sorted(Comparator.reverseOrder()).toList();
    }
    long bytes = 0;
    for (final Path p : all) {
      if (Files.isRegularFile(p)) {
        bytes += Files.size(p);
      }
      Files.deleteIfExists(p);
    }
    return bytes;
  }
}
