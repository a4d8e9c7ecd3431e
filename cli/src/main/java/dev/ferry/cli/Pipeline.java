package dev.ferry.cli;

import dev.ferry.connector.LegacyCapture;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.sink.TargetSink;

/**
 * The three services in one process, for the demo, the sandbox and the tests. In production each runs
 * in its own process ({@code ferry connector|processor|sink}); they share nothing but Kafka, so the
 * behaviour is the same. Each service can be restarted on its own, as an operator would.
 */
public final class Pipeline implements AutoCloseable {
  private final FerryConfig config;
  private LegacyCapture capture;
  private StreamProcessor processor;
  private TargetSink sink;
  private dev.ferry.ops.OpsServer ops;

  public Pipeline(final FerryConfig config) {
    this.config = config;
  }

  /**
   * Checks the mapping against both databases, then starts sink, processor and capture (downstream
   * first, so nothing waits on a missing consumer).
   *
   * @throws dev.ferry.config.ConfigException when the mapping does not fit the databases; nothing starts
   */
  public Pipeline start() {
    config.checkAgainstDatabases();
    // each is kept before it starts, so that close() stops what a failed start leaves behind (a producer that
    // would otherwise retry a refused broker for as long as the JVM runs)
    sink = new TargetSink(config.sink());
    sink.start();
    processor = new StreamProcessor(config.processor());
    processor.start();
    capture = config.newCapture();
    capture.start();
    ops = ServiceOps.pipeline(config.ops(), this);
    return this;
  }

  /** Its HTTP port for operators (metrics, health, status page); null when {@code ops.enabled} is false. */
  public dev.ferry.ops.OpsServer ops() {
    return ops;
  }

  /** Prints where the status page, the metrics and the readiness answer; nothing when the port is off. */
  public void announceOps(final java.io.PrintStream out) {
    if (ops != null) {
      out.println("Status page     : " + ops.url() + "  " + ops.endpoints());
    }
  }

  public void restartConnector() {
    capture.close();
    capture = config.newCapture().start();
  }

  public void restartProcessor() {
    processor.close();
    processor = new StreamProcessor(config.processor()).start();
  }

  /** Stops the processor alone, as an operator stopping its process would; {@link #startProcessor} starts it again. */
  public void stopProcessor() {
    processor.close();
  }

  public void startProcessor() {
    processor = new StreamProcessor(config.processor()).start();
  }

  public void restartSink() {
    sink.close();
    sink = new TargetSink(config.sink()).start();
  }

  public FerryConfig config() {
    return config;
  }

  public LegacyCapture capture() {
    return capture;
  }

  /**
   * What the capture has read, for progress lines: {@code events captured N} (change events on the CDC topics),
   * preceded by {@code rows loaded N} when the initial load is direct (those rows skip the CDC topics).
   */
  public String captureProgress() {
    final String events = String.format(java.util.Locale.ROOT, "events captured %,d", capture.published());
    return config.connector().loadsDirectly() ? String.format(java.util.Locale.ROOT, "rows loaded %,d | %s",
        capture.loadedPerTable().values().stream().mapToLong(Long::longValue).sum(), events) : events;
  }

  public StreamProcessor processor() {
    return processor;
  }

  public TargetSink sink() {
    return sink;
  }

  /** Stops capture, processor and sink, in that order. */
  @Override
  public void close() {
    if (ops != null) {
      ops.close();
    }
    if (capture != null) {
      capture.close();
    }
    if (processor != null) {
      processor.close();
    }
    if (sink != null) {
      sink.close();
    }
  }
}
