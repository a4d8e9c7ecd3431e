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
import dev.ferry.history.ErrorLog;
import dev.ferry.history.RunHistory;
import dev.ferry.ops.Section;
import dev.ferry.schemas.LiveDirection;
import dev.ferry.sink.SinkConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  static OpsServer sink(final OpsConfig config, final TargetSink sink, final SinkConfig sinkConfig,
      final PrintStream out) {
    final OpsServer ops = OpsServer.start(config, OpsConfig.Service.SINK);
    if (ops != null) {
      bindSink(ops, () -> sink);
      sections(ops, sinkConfig);
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
      sections(ops, pipeline.config().sink());
    }
    return ops;
  }

  /**
   * The tables a status page adds from what the sink's configuration reaches: the live direction (the control topic),
   * the last runs (the target's run history) and the dead letters of the last day per rule (the dead-letter topic,
   * read at most once a minute).
   */
  private static void sections(final OpsServer ops, final SinkConfig sink) {
    ops.section(new Section("Live direction", List.of("live", "epoch", "since", "set by", "this sink"),
        Duration.ofSeconds(10), () -> {
          final LiveDirection.State s = LiveDirection.read(sink.kafka(), sink.control().topic()).state();
          return List.of(List.of(s.direction().id(), String.valueOf(s.epoch()), s.epoch() == 0 ? "never flipped"
              : s.at().toString(), s.by(), sink.control().direction().id() + (sink.control().direction()
              == s.direction() ? ", applies" : ", holds")));
        }));
    ops.section(new Section("Last runs", List.of("at", "run", "summary"), Duration.ofSeconds(10), () -> {
      try {
        final List<List<String>> rows = new ArrayList<>();
        final List<RunHistory.Entry> runs = new ArrayList<>(sink.history().recent(10));
        java.util.Collections.reverse(runs);
        runs.forEach(e -> rows.add(List.of(e.at().toString().substring(0, 19).replace('T', ' '), e.kind().id(),
            e.summary())));
        return rows;
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }));
    ops.section(new Section("Dead letters in the last 24 hours", List.of("stage", "rule", "letters"),
        Duration.ofMinutes(1), () -> {
          final Instant since = Instant.now().minus(Duration.ofDays(1));
          final Map<List<String>, Long> perRule = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
          for (final ErrorLog.Letter l : ErrorLog.read(sink.kafka(), sink.kafka().topics(sink.kafka().registry())
              .deadLetter())) {
            if (l.at().isAfter(since)) {
              perRule.merge(List.of(l.stage(), l.rule()), 1L, Long::sum);
            }
          }
          final List<List<String>> rows = new ArrayList<>();
          perRule.forEach((k, n) -> rows.add(List.of(k.get(0), k.get(1), String.valueOf(n))));
          return rows.isEmpty() ? List.of(List.of("", "none", "0")) : rows;
        }));
  }

  private static void bindCapture(final OpsServer ops, final Supplier<LegacyCapture> capture) {
    new CaptureMeters(capture.get()).bindTo(ops.registry());
    ops.readiness(() -> {
      final LegacyCapture c = capture.get();
      if (c.finished().isDone()) {
        return Readiness.notReady("capture", "stopped");
      }
      final List<String> open = c.slotWaitsFor();
      if (!open.isEmpty()) {
        return Readiness.notReady("capture", "waiting to create its replication slot until these legacy "
            + "transactions end: " + String.join("; ", open));
      }
      final String unreachable = c.legacyUnreachable();
      if (unreachable != null) {
        return Readiness.notReady("capture", "cannot reach the legacy database " + unreachable);
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
          + "live" + held(sink.get().heldRecords())) : Readiness.notReady("sink", why);
    });
  }

  private static String held(final long records) {
    return records <= 0 ? "" : "; about " + records + " records wait on its apply topic, written to its source while "
        + "it holds (applied once it is live again)";
  }

  private static void announce(final OpsServer ops, final String service, final PrintStream out) {
    out.println(service + " status page " + ops.url() + " " + ops.endpoints());
  }
}
