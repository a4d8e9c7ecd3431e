package dev.ferry.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real, Confluent-compatible schema registry (Apicurio Registry 2.4, in-memory storage) run as a
 * child process on loopback. It never runs inside Ferry's JVM: its Jackson, Vert.x and Kafka versions
 * differ from ours. The process is stopped by {@link #close()} (or, if the JVM exits without it, by
 * a {@link ShutdownGuard}), by its own handle, never by name.
 *
 * <p>The fast-jar is built by the {@code registry/} module; it is found through the system property
 * {@code ferry.registry.jar}, the environment variable {@code FERRY_REGISTRY_JAR}, or
 * {@code registry/target/quarkus-app/quarkus-run.jar} in the current directory or a parent.
 */
public final class EmbeddedRegistry implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Listening on: (http://[^\\s,]+)");
  private static final String RELATIVE_JAR = "registry/target/quarkus-app/quarkus-run.jar";

  private final Process process;
  private final String url;
  private final ShutdownGuard guard;

  private EmbeddedRegistry(final Process process, final String url) {
    this.process = process;
    this.url = url;
    this.guard = new ShutdownGuard("registry", process::destroy);
  }

  /** Starts the registry, logging to {@code workDir/registry.log}; returns once it listens. */
  public static EmbeddedRegistry start(final Path workDir) {
    final Path jar = locateJar();
    final Path log = workDir.resolve("registry.log");
    final List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dquarkus.http.port=0");
    command.add("-Dquarkus.http.host=127.0.0.1");
    command.add("-Dquarkus.log.console.format=%d{HH:mm:ss} %-5p [%c{2.}] %s%e%n");
    command.add("-jar");
    command.add(jar.toString());
    final Process process;
    try {
      Files.createDirectories(workDir);
      process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the schema registry from " + jar, e);
    }
    final CompletableFuture<String> listening = new CompletableFuture<>();
    final Thread pump = new Thread(() -> pump(process, log, listening), "ferry-registry-log");
    pump.setDaemon(true);
    pump.start();
    try {
      final String base = listening.get(120, TimeUnit.SECONDS);
      return new EmbeddedRegistry(process, base.replace("0.0.0.0", "127.0.0.1") + "/apis/ccompat/v7");
    } catch (TimeoutException | ExecutionException e) {
      process.destroyForcibly();
      throw new IllegalStateException("the schema registry did not start; see " + log, e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the schema registry", e);
    }
  }

  private static void pump(final Process process, final Path log, final CompletableFuture<String> listening) {
    try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        final Matcher m = LISTENING.matcher(line);
        if (!listening.isDone() && m.find()) {
          listening.complete(m.group(1));
        }
      }
      listening.completeExceptionally(new IllegalStateException("registry exited with " + process.waitFor()));
    } catch (IOException | InterruptedException e) {
      listening.completeExceptionally(e);
    }
  }

  static Path locateJar() {
    final String configured = System.getProperty("ferry.registry.jar", System.getenv("FERRY_REGISTRY_JAR"));
    if (configured != null && !configured.isBlank()) {
      final Path p = Paths.get(configured);
      if (Files.isRegularFile(p)) {
        return p;
      }
      throw new IllegalStateException("ferry.registry.jar points at " + p + ", which does not exist; "
          + "build it with: mvn -pl registry package");
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      final Path candidate = dir.resolve(RELATIVE_JAR);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("the embedded schema registry is not built (" + RELATIVE_JAR
        + " not found from " + Paths.get("").toAbsolutePath() + "); build it with: mvn -pl registry package");
  }

  /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:40123/apis/ccompat/v7}. */
  public String url() {
    return url;
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    guard.closed();
  }
}
