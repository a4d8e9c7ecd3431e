package dev.ferry.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C (or SIGTERM) as a request to stop in order: the JVM's shutdown waits until the work has
 * stopped cleanly and said {@link #done()}, instead of tearing it down mid-way.
 */
public final class StopSignal {
  /** Longest the JVM's shutdown waits for the work to stop; within a supervisor's usual 30-90 s grace period. */
  private static final long STOP_TIMEOUT_SECONDS = 75;
  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);

  private StopSignal() {
  }

  /** Installs the shutdown hook; {@code name} names its thread. */
  public static StopSignal install(final String name) {
    final StopSignal s = new StopSignal();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      s.requested.countDown();
      try {
        // bounded: a stop that hangs must not keep the process alive past what a supervisor waits
        if (!s.done.await(STOP_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
          System.err.println("did not stop within " + STOP_TIMEOUT_SECONDS + " s; exiting anyway");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name));
    return s;
  }

  /** A signal that is never requested, for runs that stop by themselves. */
  public static StopSignal none() {
    return new StopSignal();
  }

  public boolean requested() {
    return requested.getCount() == 0;
  }

  /** Blocks until a stop is requested. */
  public void await() throws InterruptedException {
    requested.await();
  }

  /** Blocks until a stop is requested or {@code wait} has passed; returns whether a stop was requested. */
  public boolean await(final java.time.Duration wait) throws InterruptedException {
    return requested.await(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Asks to stop from within the process (a service that died). */
  public void request() {
    requested.countDown();
  }

  /** The work has stopped; the JVM may exit. */
  public void done() {
    done.countDown();
  }
}
