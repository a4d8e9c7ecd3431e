package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything Ferry runs against, on this machine and on loopback: a Kafka broker, a legacy and a
 * target PostgreSQL, and a Confluent-compatible schema registry. The four start in parallel; on this
 * project's 2-core machines the whole stack is up in a few seconds ({@link #startupTime()}).
 *
 * <p>Closing stops all four, in reverse order of dependency.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedDatabase legacy;
  private final EmbeddedDatabase target;
  private final EmbeddedRegistry registry;
  private final Duration startupTime;
  private final Path workDir;

  private EmbeddedStack(final EmbeddedKafka kafka, final EmbeddedDatabase legacy, final EmbeddedDatabase target,
      final EmbeddedRegistry registry, final Duration startupTime, final Path workDir) {
    this.kafka = kafka;
    this.legacy = legacy;
    this.target = target;
    this.registry = registry;
    this.startupTime = startupTime;
    this.workDir = workDir;
  }

  /** Starts the stack with its files under {@code workDir} (created if needed). */
  public static EmbeddedStack start(final Path workDir) {
    final long t0 = System.nanoTime();
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    final CompletableFuture<EmbeddedRegistry> registry =
        CompletableFuture.supplyAsync(() -> EmbeddedRegistry.start(workDir));
    final CompletableFuture<EmbeddedDatabase> legacy =
        CompletableFuture.supplyAsync(() -> EmbeddedDatabase.start(workDir, "legacy-pg"));
    final CompletableFuture<EmbeddedDatabase> target =
        CompletableFuture.supplyAsync(() -> EmbeddedDatabase.start(workDir, "target-pg"));
    final CompletableFuture<EmbeddedKafka> kafka =
        CompletableFuture.supplyAsync(() -> EmbeddedKafka.start(workDir));
    try {
      CompletableFuture.allOf(registry, legacy, target, kafka).join();
    } catch (CompletionException e) {
      registry.thenAccept(EmbeddedRegistry::close);
      legacy.thenAccept(EmbeddedDatabase::close);
      target.thenAccept(EmbeddedDatabase::close);
      kafka.thenAccept(EmbeddedKafka::close);
      throw new IllegalStateException("the embedded stack did not start: " + e.getCause().getMessage(), e.getCause());
    }
    final Duration took = Duration.ofNanos(System.nanoTime() - t0);
    final EmbeddedStack stack = new EmbeddedStack(kafka.join(), legacy.join(), target.join(), registry.join(),
        took, workDir);
    LOG.info("embedded stack up in {} ms: kafka {}, registry {}, legacy PostgreSQL :{}, target PostgreSQL :{}",
        took.toMillis(), stack.kafka.bootstrapServers(), stack.registry.url(), stack.legacy.port(),
        stack.target.port());
    return stack;
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  /** The server holding legacy (source) databases. */
  public EmbeddedDatabase legacy() {
    return legacy;
  }

  /** The server holding target databases. */
  public EmbeddedDatabase target() {
    return target;
  }

  public EmbeddedRegistry registry() {
    return registry;
  }

  public Duration startupTime() {
    return startupTime;
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public void close() {
    closeQuietly(registry);
    closeQuietly(kafka);
    closeQuietly(legacy);
    closeQuietly(target);
  }

  private static void closeQuietly(final AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
    }
  }
}
