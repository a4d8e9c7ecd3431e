package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.history.RunHistory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Option;

/**
 * What the {@code ferry} commands that read a configuration file share: the {@code -c} option, loading it (and, for a
 * long-running service, applying its logging settings), the run history, and running until asked to stop.
 */
abstract class ServiceCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, description = "Configuration file (YAML); "
      + "FERRY_* environment variables override its keys.")
  Path config;

  /**
   * Where this command prints what it announces: standard output, or, for a long-running service logging JSON
   * ({@link #loadService}), its log.
   */
  java.io.PrintStream out = System.out;

  /**
   * Loads the configuration of a long-running service ({@code service}: connector, processor, sink) for
   * {@code roles} and applies its logging settings, so that from here on it logs as configured.
   */
  FerryConfig loadService(final Set<Role> roles, final String service) {
    final FerryConfig c = FerryConfig.load(config, roles);
    out = dev.ferry.ops.logging.Logging.apply(c.logging(), service);
    return c;
  }

  /**
   * The directory a sign-off command ({@code audit}, {@code reconcile}) writes its report to: {@code given}, or
   * {@code ferry-reports/<kind>-<UTC time>} under the working directory, so that every run keeps its own report
   * (a sign-off compares them) and none is written over.
   */
  static Path reportDirectory(final Path given, final String kind) {
    if (given != null) {
      return given;
    }
    final String at = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
    return Path.of("ferry-reports", kind + "-" + at);
  }

  /** The run history of the target {@code file} names; null when it names none (a service's own file). */
  static RunHistory historyOf(final Path file) {
    try {
      return FerryConfig.load(file, EnumSet.of(Role.SINK)).sink().history();
    } catch (ConfigException e) {
      return null;
    }
  }

  static void record(final RunHistory history, final RunHistory.Kind kind, final String summary,
      final Map<String, ?> counts) {
    if (history != null) {
      history.record(kind, summary, counts);
    }
  }

  /**
   * Blocks until the JVM is asked to stop (exit 0) or {@code died} completes (exit 1, so that a
   * supervisor restarts the service), then closes {@code service}.
   */
  int runUntilStopped(final AutoCloseable service, final CompletableFuture<?> died) throws Exception {
    return runUntilStopped(service, died, failed -> { });
  }

  /**
   * As above; {@code stopped} is told whether the service died, after it is closed and before the JVM may exit
   * (a SIGTERM lets the JVM exit once this returns).
   */
  int runUntilStopped(final AutoCloseable service, final CompletableFuture<?> died,
      final java.util.function.Consumer<Boolean> stopped) throws Exception {
    final StopSignal stop = StopSignal.install("ferry-stop");
    died.whenComplete((v, e) -> stop.request());
    // whether the service died, decided before it is closed: closing completes some services' futures too (the
    // capture's engine reports a clean stop as finished), and a clean stop must exit 0
    boolean failed = true;
    try {
      stop.await();
      failed = died.isDone();
    } finally {
      try {
        service.close();
      } catch (Exception | Error e) {
        // a service that failed may fail again while stopping: it must still exit, and non-zero
        org.slf4j.LoggerFactory.getLogger(ServiceCommand.class).error("error while stopping", e);
      } finally {
        try {
          stopped.accept(failed);
          if (!failed) {
            ClassArchive.writeIfAsked();
          }
        } finally {
          out.printf(Locale.ROOT, "stopped; peak heap used %d MB%n", HeapPeak.megabytes());
          stop.done();
        }
      }
    }
    return failed ? 1 : 0;
  }

  /** {@code service}, and then its ops port (null: none), closed as one. */
  static AutoCloseable withOps(final AutoCloseable service, final dev.ferry.ops.OpsServer ops) {
    return () -> {
      try {
        service.close();
      } finally {
        if (ops != null) {
          ops.close();
        }
      }
    };
  }

  /** Completes when {@code alive} turns false; checked every second. */
  static CompletableFuture<Void> whenDead(final java.util.function.BooleanSupplier alive) {
    final CompletableFuture<Void> dead = new CompletableFuture<>();
    final Thread watcher = new Thread(() -> {
      try {
        while (alive.getAsBoolean()) {
          Thread.sleep(1000);
        }
        dead.complete(null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ferry-watch");
    watcher.setDaemon(true);
    watcher.start();
    return dead;
  }
}
