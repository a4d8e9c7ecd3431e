package dev.ferry.cli;

import dev.ferry.connector.CaptureMeters;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.ops.OpsConfig;
import dev.ferry.ops.OpsServer;
import dev.ferry.ops.Readiness;
import dev.ferry.processor.ProcessorMeters;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.sink.SinkMeters;
import dev.ferry.sink.TargetSink;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Each service's HTTP port for operators ({@link OpsServer}) with its meters and readiness: the connector's, the
 * processor's, the sink's, or all three in one process (demo, sandbox, tests). The address is printed at start.
 */
public final class ServiceOps {
  private ServiceOps() {
  }

  /** The capture's port; null when {@code ops.enabled} is false. */
  static OpsServer connector(final OpsConfig config, final LegacyCapture capture, final PrintStream out) {
    final OpsServer ops = OpsServer.start(config, OpsConfig.Service.CONNECTOR);
    if (ops != null) {
      bindCapture(ops, () -> capture);
      announce(ops, "connector", out);
    }
    return ops;
  }

  static OpsServer processor(final OpsConfig config, final StreamProcessor processor, final String applicationId,
      final PrintStream out) {
    final OpsServer ops = OpsServer.start(config, OpsConfig.Service.PROCESSOR);
    if (ops != null) {
      bindProcessor(ops, () -> processor, applicationId);
      announce(ops, "processor", out);
    }
    return ops;
  }

  static OpsServer sink(final OpsConfig config, final TargetSink sink, final PrintStream out) {
    final OpsServer ops = OpsServer.start(config, OpsConfig.Service.SINK);
    if (ops != null) {
      bindSink(ops, () -> sink);
      announce(ops, "sink", out);
    }
    return ops;
  }

  /** All three services of {@code pipeline} on one port; each is read as it is when asked (they restart). */
  static OpsServer pipeline(final OpsConfig config, final Pipeline pipeline) {
    final OpsServer ops = OpsServer.start(config, OpsConfig.Service.ALL_IN_ONE);
    if (ops != null) {
      bindCapture(ops, pipeline::capture);
      bindProcessor(ops, pipeline::processor, pipeline.config().processor().applicationId());
      bindSink(ops, pipeline::sink);
    }
    return ops;
  }

  private static void bindCapture(final OpsServer ops, final Supplier<LegacyCapture> capture) {
    new CaptureMeters(capture.get()).bindTo(ops.registry());
    ops.readiness(() -> {
      final LegacyCapture c = capture.get();
      if (c.finished().isDone()) {
        return Readiness.notReady("capture", "stopped");
      }
      return c.streaming() ? Readiness.ready("capture", "streaming from the legacy database")
          : Readiness.notReady("capture", "connecting, or its initial snapshot not all in Kafka yet");
    });
  }

  private static void bindProcessor(final OpsServer ops, final Supplier<StreamProcessor> processor,
      final String applicationId) {
    new ProcessorMeters(processor.get(), applicationId).bindTo(ops.registry());
    ops.readiness(() -> {
      final String why = processor.get().unreadyBecause();
      return why == null ? Readiness.ready("processor", "Kafka Streams running") : Readiness.notReady("processor",
          why);
    });
  }

  private static void bindSink(final OpsServer ops, final Supplier<TargetSink> sink) {
    new SinkMeters(sink.get()).bindTo(ops.registry());
    ops.readiness(() -> {
      final String why = sink.get().unreadyBecause();
      return why == null ? Readiness.ready("sink", sink.get().live() ? "applying" : "holding: its direction is not "
          + "live") : Readiness.notReady("sink", why);
    });
  }

  private static void announce(final OpsServer ops, final String service, final PrintStream out) {
    out.println(service + " status page " + ops.url() + " (Prometheus " + ops.url() + "metrics, health "
        + ops.url() + "health/ready)");
  }
}
