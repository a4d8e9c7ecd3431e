package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Ferry's services as the benchmarks start them: their own JVMs, with the options scripts/ferry gives them. */
final class ServiceProcesses {
  private static final Pattern PEAK = Pattern.compile("peak heap used (\\d+) MB");
  /**
   * Processes started and not yet ended: stopped when the benchmark's own JVM is (Ctrl-C, a kill, a timeout), which
   * skips the stops its runs make when they end. Seen without: a stopped benchmark left its services running.
   */
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ServiceProcesses::stopRunning, "bench-stop-services"));
  }

  private ServiceProcesses() {
  }

  /**
   * The options Ferry's service {@code role} starts with, from {@code scripts/jvm.options} (system property
   * {@code ferry.jvm.options} names it; scripts/bench sets it) and then {@code jvm.<role>.options} beside it where
   * there is one, as scripts/ferry starts them: comment and blank lines left out.
   */
  static List<String> serviceJvmOptions(final String role) throws IOException {
    final String file = System.getProperty("ferry.jvm.options");
    if (file == null) {
      throw new IllegalStateException("system property ferry.jvm.options is not set: run the benchmark with scripts/bench");
    }
    final List<String> options = new ArrayList<>(options(Path.of(file)));
    final Path own = Path.of(file).resolveSibling("jvm." + role + ".options");
    if (Files.exists(own)) {
      options.addAll(options(own));
    }
    return options;
  }

  private static List<String> options(final Path file) throws IOException {
    return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  /** JVM options in environment variable {@code name}, separated by white space; none when it is unset. */
  static List<String> optionsFromEnvironment(final String name) {
    final String value = System.getenv(name);
    return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
  }

  /** The last {@code -Xmx} in {@code jvm}, the one the JVM uses. */
  static String heapOption(final List<String> jvm) {
    String heap = "the JVM's default heap";
    for (final String o : jvm) {
      if (o.startsWith("-Xmx")) {
        heap = o;
      }
    }
    return heap;
  }

  /** Starts {@code java args...}, its output appended to {@code log} (a restarted service keeps one log). */
  static Process start(final List<String> args, final Path log) throws IOException {
    final List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(args);
    final Process p = logTo(new ProcessBuilder(command), log).start();
    RUNNING.add(p);
    p.onExit().thenRun(() -> RUNNING.remove(p));
    return p;
  }

  /** Each process still running: SIGTERM (the services stop cleanly on it), then after 30 s at most, SIGKILL. */
  private static void stopRunning() {
    final List<Process> left = new ArrayList<>(RUNNING);
    left.forEach(Process::destroy);
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (final Process p : left) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code builder} with its output and errors appended to {@code log}. */
  private static ProcessBuilder logTo(final ProcessBuilder builder, final Path log) {
    return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  /**
   * Starts {@code scripts/ferry args...} as shipped (system property {@code ferry.command} names it; scripts/bench
   * sets it), what is built and no build ({@code FERRY_NO_BUILD=1}), with {@code jvmOptions} in
   * {@code FERRY_JAVA_OPTS}; its output appended to {@code log}. The script execs the JVM, so the process is the
   * service's own (its PID, its CPU time).
   */
  static Process startCommand(final List<String> args, final List<String> jvmOptions, final Path log)
      throws IOException {
    final String script = System.getProperty("ferry.command");
    if (script == null) {
      throw new IllegalStateException("system property ferry.command is not set: run the benchmark with scripts/bench");
    }
    final List<String> command = new ArrayList<>(List.of("bash", script));
    command.addAll(args);
    final ProcessBuilder builder = logTo(new ProcessBuilder(command), log);
    builder.environment().put("FERRY_NO_BUILD", "1");
    builder.environment().put("FERRY_JAVA_OPTS", String.join(" ", jvmOptions));
    return builder.start();
  }

  /** The peak heap a stopped Ferry service reported in {@code log}, in MB, or -1. */
  static int peakHeapMb(final Path log) throws IOException {
    final Matcher m = PEAK.matcher(Files.readString(log));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
