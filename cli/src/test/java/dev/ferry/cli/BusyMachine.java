package dev.ferry.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Threads that keep the machine's cores busy while a whole-pipeline test runs: races hide on an idle
 * machine. Each stops when closed, and after at most ten minutes in any case.
 */
final class BusyMachine implements AutoCloseable {
  private final AtomicBoolean busy = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  private BusyMachine() {
  }

  /** Starts {@code cores} threads, each spinning on its own. */
  static BusyMachine start(final int cores) {
    final BusyMachine m = new BusyMachine();
    for (int i = 0; i < cores; i++) {
      final Thread t = new Thread(m::spin, "busy-machine-" + i);
      t.setDaemon(true);
      t.start();
      m.threads.add(t);
    }
    return m;
  }

  private void spin() {
    final long until = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    long x = 0;
    while (busy.get() && System.nanoTime() < until) {
      for (int i = 0; i < 1_000_000; i++) {
        x += i ^ (x >>> 3);
      }
    }
    if (x == 42) {
      System.out.print("");
    }
  }

  @Override
  public void close() throws InterruptedException {
    busy.set(false);
    for (final Thread t : threads) {
      t.join(Duration.ofSeconds(10).toMillis());
    }
  }
}
