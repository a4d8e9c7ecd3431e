package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One {@link EmbeddedStack} per JVM, started on first use and stopped when the JVM exits. Integration
 * tests share it and isolate themselves by database, replication slot, topic prefix and consumer group
 * names, which keeps the suite within its time budget (a stack per test class would not).
 */
public final class SharedStack {
  private static EmbeddedStack stack;

  private SharedStack() {
  }

  /** The JVM's stack, started on the first call. */
  public static synchronized EmbeddedStack get() {
    if (stack == null) {
      try {
        final Path dir = Files.createTempDirectory("ferry-stack-");
        stack = EmbeddedStack.start(dir);
        final EmbeddedStack started = stack;
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "ferry-stack-stop"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return stack;
  }
}
