package dev.ferry.sink;

import dev.ferry.history.RunHistory;
import dev.ferry.ops.TaggedCounts;
import dev.ferry.schemas.LostRecords;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run of the sink did, per target table: rows applied and dead letters per rule (the sink's are all
 * errors), recorded in the run history with the sink's start and stop, and exported as meters
 * ({@code ferry_sink_table_rows_applied_total} per {@code table}, {@code ferry_sink_table_dead_letters_total} per
 * {@code table} and {@code rule}; {@code ferry_sink_records_lost_total}, records Kafka
 * deleted before the sink applied them, {@link DeletedBeforeApplied}). Thread-safe: the writers count.
 */
final class SinkRuns implements MeterBinder {
  private final RunHistory history;
  private final String group;
  private final TaggedCounts appliedPerTable;
  private final TaggedCounts deadLetters;
  private final java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();

  SinkRuns(final RunHistory history, final String group) {
    this.history = history;
    this.group = group;
    this.appliedPerTable = new TaggedCounts("ferry.sink.table.rows.applied", "Rows applied to the target, per table",
        Tags.of("group", group), "table");
    this.deadLetters = new TaggedCounts("ferry.sink.table.dead.letters", "Rows the sink sent to the dead-letter "
        + "topic, per target table and rule", Tags.of("group", group), "table", "rule");
  }

  void applied(final String table, final long rows) {
    appliedPerTable.add(rows, table);
  }

  void deadLettered(final String table, final String rule) {
    deadLetters.add(1, table, rule);
  }

  @Override
  public void bindTo(final MeterRegistry registry) {
    appliedPerTable.bindTo(registry);
    deadLetters.bindTo(registry);
    // there from the start, at 0: an alert on its increase sees the first loss
    io.micrometer.core.instrument.FunctionCounter.builder("ferry.sink.records.lost", lost,
        java.util.concurrent.atomic.AtomicLong::get).tags(Tags.of("group", group)).description("Records of the apply "
        + "topic Kafka deleted before the sink applied them (retention ran out); alert on any").register(registry);
  }

  /** Counts {@code gap} and records it in the run history. */
  void lost(final LostRecords gap) {
    lost.addAndGet(gap.count());
    history.record(RunHistory.Kind.RECORDS_LOST, gap.historySummary("sink " + group, "applied"),
        gap.historyCounts("group", group));
  }

  /** Records of the apply topic lost so far, all partitions. */
  long lost() {
    return lost.get();
  }

  void started(final String applyTopic) {
    history.record(RunHistory.Kind.SINK_START, "sink " + group + " started", Map.of("group", group, "applyTopic",
        applyTopic));
  }

  void stopped(final TargetSink sink, final Throwable failure) {
    final Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("group", group);
    counts.put("rowsApplied", sink.applied());
    final Map<String, Long> perTable = new TreeMap<>();
    appliedPerTable.snapshot().forEach((k, n) -> perTable.put(k.get(0), n));
    counts.put("appliedPerTable", perTable);
    counts.put("deadLetters", sink.failed());
    final Map<String, Long> perRule = new TreeMap<>();
    deadLetters.snapshot().forEach((k, n) -> perRule.merge(k.get(1), n, Long::sum));
    counts.put("deadLettersPerRule", Map.of("error", perRule));
    counts.put("parked", sink.parked());
    counts.put("batchesSplit", sink.splitBatches());
    if (failure != null) {
      counts.put("failure", failure.toString());
    }
    history.record(RunHistory.Kind.SINK_STOP, String.format(Locale.ROOT, "sink %s stopped%s: %,d rows applied, %,d "
        + "dead letters", group, failure == null ? "" : " after a failure", sink.applied(), sink.failed()), counts);
  }
}
