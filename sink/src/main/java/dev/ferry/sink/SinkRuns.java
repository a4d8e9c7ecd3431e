package dev.ferry.sink;

import dev.ferry.history.RunHistory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one run of the sink did, for the run history: rows applied per target table and dead letters per rule and
 * severity (the sink's are all errors), recorded with the sink's start and stop. Thread-safe: the writers count.
 */
final class SinkRuns {
  private final RunHistory history;
  private final String group;
  private final Map<String, LongAdder> appliedPerTable = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> deadLettersPerRule = new ConcurrentHashMap<>();

  SinkRuns(final RunHistory history, final String group) {
    this.history = history;
    this.group = group;
  }

  void applied(final String table, final long rows) {
    appliedPerTable.computeIfAbsent(table, t -> new LongAdder()).add(rows);
  }

  void deadLettered(final String rule) {
    deadLettersPerRule.computeIfAbsent(rule, r -> new LongAdder()).increment();
  }

  void started(final String applyTopic) {
    history.record(RunHistory.Kind.SINK_START, "sink " + group + " started", Map.of("group", group, "applyTopic",
        applyTopic));
  }

  void stopped(final TargetSink sink, final Throwable failure) {
    final Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("group", group);
    counts.put("rowsApplied", sink.applied());
    counts.put("appliedPerTable", totals(appliedPerTable));
    counts.put("deadLetters", sink.failed());
    counts.put("deadLettersPerRule", Map.of("error", totals(deadLettersPerRule)));
    counts.put("parked", sink.parked());
    counts.put("batchesSplit", sink.splitBatches());
    if (failure != null) {
      counts.put("failure", failure.toString());
    }
    history.record(RunHistory.Kind.SINK_STOP, String.format(Locale.ROOT, "sink %s stopped%s: %,d rows applied, %,d "
        + "dead letters", group, failure == null ? "" : " after a failure", sink.applied(), sink.failed()), counts);
  }

  private static Map<String, Long> totals(final Map<String, LongAdder> counters) {
    final Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
