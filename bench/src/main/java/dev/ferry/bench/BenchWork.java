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
  /** The file that names the JVM a run belongs to. */
  private static final String OWNER = "bench.pid";

  private final Path dir;

  private BenchWork(final Path dir) {
    this.dir = dir;
  }

  /**
   * A new directory {@code ferry-bench-<name>-...} under the system's temporary directory, holding this JVM's pid in
   * {@value #OWNER}; first removes the data an earlier run left when it was killed ({@link #removeAbandoned}). Open
   * it before the embedded stack in one {@code try}, so that it is closed after the stack has stopped.
   */
  static BenchWork create(final String name) throws IOException {
    final Path dir = Files.createTempDirectory("ferry-bench-" + name + "-");
    removeAbandoned(dir.getParent());
    Files.writeString(dir.resolve(OWNER), String.valueOf(ProcessHandle.current().pid()));
    return new BenchWork(dir);
  }

  /**
   * Removes the data (as {@link #close} would) of earlier runs under {@code tmp} whose JVM is gone: a run killed
   * before its close left it, a million-row run's broker log and databases, run after run. A run whose PostgreSQL
   * still runs on its data (its {@code postmaster.pid} names a live process: the server outlived the killed JVM) is
   * left alone and named, with the process to stop. Runs without {@value #OWNER} (before session 43) are not touched.
   */
  static void removeAbandoned(final Path tmp) {
    try (Stream<Path> runs = Files.list(tmp)) {
      for (final Path run : runs.filter(d -> d.getFileName().toString().startsWith("ferry-bench-"))
          .filter(d -> Files.isRegularFile(d.resolve(OWNER))).toList()) {
        final long owner = Long.parseLong(Files.readString(run.resolve(OWNER)).trim());
        if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        final List<Long> servers = livePostmasters(run);
        if (!servers.isEmpty()) {
          System.out.println("an earlier benchmark run in " + run + " was killed, and its PostgreSQL still runs "
              + "(process " + servers + "): stop it (kill <pid>), then remove the directory");
          continue;
        }
        final long freed = removeData(run);
        Files.delete(run.resolve(OWNER));
        if (freed > 0) {
          System.out.println(String.format(java.util.Locale.ROOT, "removed the data a killed benchmark run left in %s "
              + "(%,d MB; its logs kept)", run, freed >> 20));
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      System.out.println("could not look for data earlier benchmark runs left in " + tmp + ": " + e);
    }
  }

  private static List<Long> livePostmasters(final Path run) throws IOException {
    try (Stream<Path> walk = Files.walk(run, 4)) {
      return walk.filter(p -> p.getFileName().toString().equals("postmaster.pid")).map(p -> {
        try {
          return Long.parseLong(Files.readAllLines(p).get(0).trim());
        } catch (IOException | RuntimeException e) {
          return -1L;
        }
      }).filter(pid -> pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
    }
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
      try {
        freed = removeData(dir);
      } catch (IOException | UncheckedIOException e) {
        System.out.println("could not remove the run's data in " + dir + ": " + e.getMessage());
      }
    }
    try {
      Files.deleteIfExists(dir.resolve(OWNER));
    } catch (IOException e) {
      // a later run looks at it and finds its JVM gone: no harm
    }
    System.out.println("logs in " + dir + (keep ? ""
        : String.format(java.util.Locale.ROOT, " (the run's data, %,d MB, removed; BENCH_KEEP_DATA=1 keeps it)",
            freed >> 20)));
  }

  /** Deletes every subdirectory of {@code run} but the reports; the bytes of the files removed. */
  private static long removeData(final Path run) throws IOException {
    long freed = 0;
    try (Stream<Path> children = Files.list(run)) {
      for (final Path data : children.filter(Files::isDirectory)
          .filter(d -> !KEPT.contains(d.getFileName().toString())).toList()) {
        freed += delete(data);
      }
    }
    return freed;
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
