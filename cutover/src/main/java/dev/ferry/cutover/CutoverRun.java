package dev.ferry.cutover;

import dev.ferry.cutover.Cutover.Step;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.LiveDirection.Direction;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One cutover (or rollback) as the run history keeps it: an entry of kind {@code cutover} per step ended, each with
 * the run's id, the direction it opens, the step, whether it passed, and its figures (the freeze position). A run
 * whose newest entry is not its report, and which opens the same direction as asked now, is resumed: its passed steps
 * are not run again, and the drain waits for the position recorded at its freeze. A freeze recorded as failed (writes
 * came after it) takes the freeze, the drain and the gate back.
 */
final class CutoverRun {
  private static final int LOOK_BACK = 500;
  private final RunHistory history;
  private final String id;
  private final Direction to;
  private final boolean fresh;
  private final Set<Step> done = EnumSet.noneOf(Step.class);
  private final Instant started;
  private String position;
  private Instant frozenAt;

  private CutoverRun(final RunHistory history, final String id, final Direction to, final boolean fresh,
      final Instant started) {
    this.history = history;
    this.id = id;
    this.to = to;
    this.fresh = fresh;
    this.started = started;
  }

  static CutoverRun resumeOrStart(final RunHistory history, final Direction to) throws SQLException {
    final List<RunHistory.Entry> entries = history.recent(RunHistory.Kind.CUTOVER, LOOK_BACK);
    if (!entries.isEmpty()) {
      final RunHistory.Entry last = entries.get(entries.size() - 1);
      final Object runId = last.counts().get("run");
      final boolean finished = Step.REPORT.id().equals(last.counts().get("step"));
      if (!finished && runId != null && to.id().equals(last.counts().get("to"))) {
        final Instant first = entries.stream().filter(e -> runId.equals(e.counts().get("run")))
            .map(RunHistory.Entry::at).min(Instant::compareTo).orElse(last.at());
        final CutoverRun run = new CutoverRun(history, runId.toString(), to, false, first);
        for (final RunHistory.Entry e : entries) {
          if (runId.equals(e.counts().get("run"))) {
            final Step step = Step.valueOf(e.counts().get("step").toString().toUpperCase(java.util.Locale.ROOT));
            if (Boolean.TRUE.equals(e.counts().get("ok"))) {
              run.done.add(step);
              if (step == Step.FREEZE) {
                run.position = e.counts().get("position").toString();
                run.frozenAt = e.at();
              }
            } else if (step == Step.FREEZE) {
              run.unfreeze();
            }
          }
        }
        return run;
      }
    }
    return new CutoverRun(history, Cutover.newRunId(), to, true, Instant.now());
  }

  /** The run's id, which the fence names. */
  String id() {
    return id;
  }

  boolean isNew() {
    return fresh;
  }

  boolean done(final Step step) {
    return done.contains(step);
  }

  /** The freeze position; null before the freeze. */
  String position() {
    return position;
  }

  /** When the freeze was recorded; null before the freeze. */
  Instant frozenAt() {
    return frozenAt;
  }

  /** Takes the freeze back (writes came after it): the next run freezes, drains and reconciles again. */
  private void unfreeze() {
    done.removeAll(EnumSet.of(Step.FREEZE, Step.DRAIN, Step.GATE, Step.SEQUENCES));
    position = null;
    frozenAt = null;
  }

  String describe() {
    return (fresh ? "cutover " : "resuming cutover ") + id + (done.isEmpty() ? "" : " (done: " + done.stream()
        .map(Step::id).toList() + ")");
  }

  String summary() {
    return "cutover " + id + " to " + to.id() + ": frozen at " + position + ", drained, reconciled, flipped; "
        + java.time.Duration.between(started, Instant.now()).toSeconds() + " s since it began";
  }

  /** Records {@code step} ended ({@code ok}: passed), with its figures; refuses to go on when it cannot be recorded. */
  void record(final Step step, final boolean ok, final String summary, final Map<String, ?> figures)
      throws SQLException {
    final Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("run", id);
    counts.put("to", to.id());
    counts.put("step", step.id());
    counts.put("ok", ok);
    counts.putAll(figures);
    history.append(RunHistory.Kind.CUTOVER, "cutover to " + to.id() + ", " + step.id() + ": " + summary, counts);
    if (ok) {
      done.add(step);
      if (step == Step.FREEZE) {
        position = figures.get("position").toString();
        frozenAt = Instant.now();
      }
    } else if (step == Step.FREEZE) {
      unfreeze();
    }
  }
}
