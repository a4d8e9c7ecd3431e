package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.Files;
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
      final String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
      final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
