package dev.ferry.embedded;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure a child process is stopped when the JVM exits, without racing the orderly shutdown: the
 * JVM shutdown hook first gives the owner {@value #GRACE_SECONDS} seconds to call {@link #closed()}
 * (the pipeline stops before the databases and the registry it talks to), and only then stops the
 * process itself.
 */
final class ShutdownGuard {
  static final int GRACE_SECONDS = 30;

  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  ShutdownGuard(final String name, final Runnable forceStop) {
    this.hook = new Thread(() -> {
      try {
        if (!closed.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
          forceStop.run();
        }
      } catch (InterruptedException e) {
        forceStop.run();
      }
    }, "ferry-stop-" + name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The owner has stopped the process; the hook has nothing left to do. */
  void closed() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook returns at once now
    }
  }
}
