package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * CPU seconds as Linux counts them ({@code /proc}, in USER_HZ of 100 per second), so that a benchmark can say
 * where the machine's time went: on a 2-core machine with every part colocated, a stage is as fast as the CPU
 * the others leave it. NaN where {@code /proc} cannot be read.
 */
final class CpuTime {
  private CpuTime() {
  }

  /** The machine's busy CPU seconds since boot: all but idle and iowait, over every core. */
  static double machineBusy() {
    try {
      final String[] f = Files.readAllLines(Paths.get("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq ...
      long busy = 0;
      for (int i = 1; i < Math.min(f.length, 8); i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** User plus system CPU seconds of the live process {@code pid} (its threads included). */
  static double process(final long pid) {
    try {
      return seconds(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * CPU seconds of the live JVM {@code pid}'s JIT compiler threads (HotSpot names them "C1 CompilerThread<i>n</i>"
   * and "C2 CompilerThread<i>n</i>"): in a run of a minute, compiling is a large share of a fresh service's CPU, which
   * a service running for hours has long paid off. A compiler thread HotSpot stopped while idle is no longer counted,
   * so this is at least what was spent; with two cores a JVM runs one of each, which it keeps.
   */
  static double compilers(final long pid) {
    final Path tasks = Path.of("/proc", String.valueOf(pid), "task");
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      double sum = 0;
      for (final Path thread : threads) {
        try {
          final String stat = Files.readString(thread.resolve("stat"));
          final String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            sum += seconds(stat);
          }
        } catch (NoSuchFileException ended) {
          // the thread ended between listing and reading
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** User plus system seconds of a {@code /proc/.../stat} line, a process's or a thread's. */
  private static double seconds(final String stat) {
    // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
    final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }
}
