package dev.ferry.sink;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits for a running sink to reach a state. Fails at once when the sink stops with an error, and on a
 * timeout says where the sink's threads are, in the one line a build summary shows: a wait that merely
 * "was not fulfilled within 2 minutes" tells a reader of a CI log nothing.
 */
final class SinkWait {
  private SinkWait() {
  }

  static void until(final TargetSink sink, final Duration atMost, final String what, final Callable<Boolean> done) {
    try {
      await(what).atMost(atMost).pollInterval(Duration.ofMillis(50))
          .failFast("the sink stopped", () -> sink.failure() != null)
          .until(done);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("sink did not reach '" + what + "' within " + atMost + ": " + state(sink), e);
    }
  }

  static void until(final TargetSink sink, final String what, final Callable<Boolean> done) {
    until(sink, Duration.ofMinutes(2), what, done);
  }

  /** Counters, the error if any, and the top frames of the sink's and the producers' threads. */
  static String state(final TargetSink sink) {
    final StringBuilder s = new StringBuilder("applied=").append(sink.applied()).append(" failed=")
        .append(sink.failed()).append(" parked=").append(sink.parked()).append(" lag=").append(sink.lag())
        .append(" running=").append(sink.isRunning()).append(" failure=").append(sink.failure());
    return s.append(threads("ferry-sink", "kafka-producer-network-thread")).toString();
  }

  /** The top frames of this JVM's threads whose names start with one of {@code prefixes}, on one line. */
  static String threads(final String... prefixes) {
    final StringBuilder s = new StringBuilder();
    for (final Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
      final String name = t.getKey().getName();
      if (java.util.Arrays.stream(prefixes).anyMatch(name::startsWith)) {
        s.append(" | ").append(name).append(' ').append(t.getKey().getState());
        final StackTraceElement[] frames = t.getValue();
        int shown = 0;
        for (int i = 0; i < frames.length && shown < 6; i++) {
          // the innermost frame says what it waits on; past it, only the project's and Kafka's frames
          if (i == 0 || !frames[i].getClassName().matches("(java|jdk|sun)\\..*")) {
            s.append(" < ").append(frames[i].getClassName().replaceAll(".*\\.", "")).append('.')
                .append(frames[i].getMethodName()).append(':').append(frames[i].getLineNumber());
            shown++;
          }
        }
      }
    }
    return s.toString();
  }
}
