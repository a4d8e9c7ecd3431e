package dev.ferry.cutover;

import dev.ferry.history.RunHistory;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.LiveDirection;
import dev.ferry.schemas.LiveDirectionReader;
import dev.ferry.sink.SinkConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Flips the sync's direction, step by step: {@code ferry cutover} (forward to reverse) and {@code ferry cutover
 * --rollback} (back), the same steps with the two directions' parts swapped.
 * <ol>
 *   <li><b>preflight</b> ({@link Preflight}): what the opening direction needs is there;
 *   <li><b>freeze</b>: the operator says the application writing the draining side has stopped, or Ferry fences the
 *       captured tables against its writes ({@link WriteFence}); the database's current position is recorded;
 *   <li><b>drain</b> ({@link Drain}): everything written up to that position has reached the other side;
 *   <li><b>gate</b>: a reconciliation of the legacy and the new data through the forward mapping finds nothing
 *       unexplained (and, unless accepted, no explained difference either);
 *   <li><b>flip</b>: once nothing was written to the draining side after the freeze ({@link WritesAfterFreeze};
 *       else the freeze is taken back), the opening direction is made live on the control topic
 *       ({@link LiveDirection}); it is done when the draining sink says it holds, the opening sink that it applies,
 *       and a capture reads the opening slot; a fence on the opening side's tables is lifted;
 *   <li><b>report</b>.
 * </ol>
 * Each step is recorded in the run history of the new system's database as it ends, so that the same command run
 * again after a crash, Ctrl-C or kill -9 resumes after the last step done, with the freeze position recorded; every
 * step can be run again without harm (checks, a wait, a reconciliation, a flip that is already live).
 */
public final class Cutover {
  /** The steps, in order. */
  enum Step { PREFLIGHT, FREEZE, DRAIN, GATE, SEQUENCES, FLIP, REPORT;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What the operator said.
   *
   * @param writersStopped the application writing the draining side's database is stopped
   * @param fence Ferry fences the draining side's captured tables against application writes at the freeze
   * @param acceptExplained explained differences (rows on the dead-letter topic) do not block the gate
   * @param report where the gate's reconciliation report goes; null: a temporary directory
   */
  public record Options(boolean writersStopped, boolean fence, boolean acceptExplained, Duration drainTimeout,
      Duration flipTimeout, Duration settle, Path report) {
  }

  /** Exit codes: done; blocked by what it found (gate, drain, flip not answered), can be run again; refused. */
  public static final int DONE = 0;
  public static final int BLOCKED = 1;
  public static final int REFUSED = 2;

  private final Leg draining;
  private final Leg opening;
  private final RunHistory history;
  private final PrintStream out;

  /**
   * @param history the run history of the new system's database, where both directions' cutovers are recorded
   */
  public Cutover(final Leg draining, final Leg opening, final RunHistory history, final PrintStream out) {
    this.draining = draining;
    this.opening = opening;
    this.history = history;
    this.out = out;
  }

  /** Runs (or resumes) the flip from the draining direction to the opening one. @return an exit code */
  public int run(final Options options) throws Exception {
    final CutoverRun run = CutoverRun.resumeOrStart(history, opening.direction());
    final LiveDirection.Snapshot control = LiveDirection.read(draining.sink().kafka(), draining.sink().control().topic());
    out.printf(Locale.ROOT, "%s: %s -> %s (live now: %s, epoch %d)%n", run.describe(), draining.name(),
        opening.name(), control.state().direction().id(), control.state().epoch());
    if (control.state().direction() == opening.direction() && run.isNew()) {
      out.println("the " + opening.name() + " direction is live already: nothing to do (ferry status shows it)");
      return DONE;
    }
    if (!run.done(Step.PREFLIGHT)) {
      out.println("1. preflight");
      final List<Preflight.Check> checks = Preflight.run(draining, opening, control);
      checks.forEach(c -> out.println("  " + (c.ok() ? "ok   " : "FAIL ") + c.line()));
      if (checks.stream().anyMatch(c -> !c.ok())) {
        run.record(Step.PREFLIGHT, false, "preflight failed", Map.of("failed", checks.stream().filter(c -> !c.ok())
            .map(Preflight.Check::line).toList()));
        out.println("preflight failed: nothing was changed; fix the above and run the same command again");
        return REFUSED;
      }
      run.record(Step.PREFLIGHT, true, "preflight passed", Map.of("checks", checks.size()));
    }
    if (!run.done(Step.FREEZE)) {
      out.println("2. freeze");
      if (!options.writersStopped() && !options.fence()) {
        out.println("  stop the application that writes the " + draining.name() + " direction's source (" + source(
            draining) + "), then run the same command with --writers-stopped; or let Ferry fence its tables against "
            + "the application's writes with --fence");
        return REFUSED;
      }
      final Integer refused = options.fence() ? fence(run) : null;
      if (refused != null) {
        return refused;
      }
      final String position;
      try (Connection c = draining.captured()) {
        position = Drain.position(c);
      }
      out.println("  " + (options.fence() ? "" : "the application is stopped (--writers-stopped); ") + source(draining)
          + " ends at " + position);
      run.record(Step.FREEZE, true, "frozen at " + position, Map.of("position", position, "fenced",
          options.fence()));
    }
    final String position = run.position();
    if (!run.done(Step.DRAIN)) {
      out.println("3. drain past " + position);
      final long started = System.nanoTime();
      final Drain.Status s = Drain.await(draining, position, options.drainTimeout(), out);
      if (s == null || !s.drained()) {
        out.println("  not drained within " + options.drainTimeout().toSeconds() + " s: " + (s == null ? "" : s.line(
            position)) + "; are the " + draining.name() + " services running? Run the same command again to wait on");
        run.record(Step.DRAIN, false, "not drained", Map.of());
        return BLOCKED;
      }
      out.printf(Locale.ROOT, "  drained in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, s.line(position));
      run.record(Step.DRAIN, true, "drained past " + position, Map.of("seconds", (System.nanoTime() - started) / 1e9));
    }
    if (!run.done(Step.GATE)) {
      out.println("4. gate: reconcile the legacy and the new database through the forward mapping");
      final Integer blocked = gate(run, options);
      if (blocked != null) {
        return blocked;
      }
    }
    if (!run.done(Step.SEQUENCES)) {
      out.println("5. sequences: moved past the values the " + draining.name() + " direction wrote");
      if (!Sequences.step(draining, run, out)) {
        return BLOCKED;
      }
    }
    if (!run.done(Step.FLIP)) {
      out.println("6. flip to " + opening.name());
      if (!flip(run, options)) {
        return BLOCKED;
      }
    }
    out.println("7. report");
    if (!liftOpeningFence()) {
      out.println("  the " + opening.name() + " direction is live, but its application cannot write yet: run the "
          + "same command again once those sessions ended");
      return BLOCKED;
    }
    report(run);
    run.record(Step.REPORT, true, draining.name() + " -> " + opening.name() + " done", Map.of());
    return DONE;
  }

  /** Fences the draining side's captured tables ({@link WriteFence}); null when done, else the exit code. */
  private Integer fence(final CutoverRun run) throws Exception {
    try (Connection c = draining.captured()) {
      final String denied = WriteFence.denied(c, draining.capture().tables());
      if (denied != null) {
        out.println("  " + denied);
        return REFUSED;
      }
      final List<String> fenced = WriteFence.raise(c, draining.capture().tables(), run.id());
      out.println("  fenced " + fenced.size() + " table(s) of " + source(draining) + " against writes: the "
          + "application's writes to them fail from now (Ferry's sinks still write); the fence stays until the "
          + draining.name() + " direction is live again (or ferry cutover --unfence)");
      return null;
    } catch (WriteFence.Refused e) {
      out.println("  could not fence " + source(draining) + ": " + e.getMessage());
      return BLOCKED;
    }
  }

  /**
   * Lifts the fence from the opening side's tables, where an earlier cutover put one: its application writes once its
   * direction is live. Returns whether none stands.
   */
  private boolean liftOpeningFence() throws Exception {
    try (Connection c = opening.captured()) {
      final List<String> lifted = WriteFence.lift(c, opening.capture().tables());
      if (!lifted.isEmpty()) {
        out.println("  lifted the fence from " + lifted.size() + " table(s) of " + source(opening) + ": its "
            + "application may write again");
      }
      return true;
    } catch (WriteFence.Refused | java.sql.SQLException e) {
      out.println("  the fence on " + source(opening) + " stands: " + e.getMessage());
      return false;
    }
  }

  /**
   * {@code ferry cutover --unfence}: lifts the fence from the draining side's tables (giving a cutover up, or letting
   * its application write meanwhile), and takes back the freeze of a run in progress that has not flipped, so that
   * running the cutover again freezes, drains and reconciles again. @return an exit code
   */
  public int unfence() throws Exception {
    final CutoverRun run = CutoverRun.resumeOrStart(history, opening.direction());
    final List<String> lifted;
    try (Connection c = draining.captured()) {
      lifted = WriteFence.lift(c, draining.capture().tables());
    } catch (WriteFence.Refused e) {
      out.println("the fence on " + source(draining) + " stands: " + e.getMessage());
      return BLOCKED;
    }
    out.println(lifted.isEmpty() ? "no fence stands on " + source(draining) : "lifted the fence from "
        + lifted.size() + " table(s) of " + source(draining) + ": its application may write again");
    if (!run.isNew() && run.done(Step.FREEZE) && !run.done(Step.FLIP)) {
      run.record(Step.FREEZE, false, "fence lifted (--unfence)", Map.of("tables", lifted));
      out.println("the freeze of cutover " + run.id() + " is taken back: run the cutover again to freeze, drain and "
          + "reconcile anew");
    }
    return DONE;
  }

  /** For {@code ferry status}: whether {@code leg}'s source is fenced against its application, in a line. */
  public static String fenceLine(final Leg leg) {
    final String which = "fence on " + source(leg) + " (the " + leg.name() + " direction's source): ";
    try (Connection c = leg.captured()) {
      final List<String> fenced = WriteFence.fenced(c, leg.capture().tables());
      return which + (fenced.isEmpty() ? "none" : fenced.size() + " table(s) refuse application writes ("
          + String.join(", ", fenced) + ")");
    } catch (java.sql.SQLException e) {
      return which + "cannot tell (" + e.getMessage() + ")";
    }
  }

  /**
   * The reconciliation gate: null when it lets the flip on, else the exit code. Both ways it compares the legacy
   * data, through the forward mapping, with the new system's: that is what the sync keeps equal, and a rollback
   * makes the legacy side leading again. (The reverse mapping cannot be the yardstick: where the forward one is
   * lossy, rounding money to cents say, a legacy row never written back differs from the new one mapped back.)
   */
  private Integer gate(final CutoverRun run, final Options options) throws Exception {
    final Leg forward = draining.direction() == LiveDirection.Direction.FORWARD ? draining : opening;
    final Leg reverse = forward == draining ? opening : draining;
    final Reconciliation.Inputs inputs = new Reconciliation.Inputs(forward.processor().mapping(), forward::captured,
        forward::written, forward.sink().versionColumn(), options.settle());
    final Reconciliation.Result result = Reconciliation.run(inputs, deadLetters(forward.sink(), reverse.sink()), out);
    final Path dir = options.report() != null ? options.report().resolve("reconcile-to-" + opening.name())
        : java.nio.file.Files.createTempDirectory("ferry-cutover-");
    ReconcileReport.write(result, dir);
    final Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("unexplained", result.unexplained());
    figures.put("explained", result.explained());
    figures.put("report", dir.resolve("reconcile.html").toString());
    if (result.unexplained() > 0 || result.explained() > 0 && !options.acceptExplained()) {
      out.printf(Locale.ROOT, "  the gate is closed: %,d unexplained and %,d explained difference(s)%s; report in %s%n",
          result.unexplained(), result.explained(), result.unexplained() == 0 ? " (accept explained ones with "
              + "--accept-explained)" : "", dir.resolve("reconcile.html"));
      result.unexplainedLines(20).forEach(l -> out.println("    " + l));
      run.record(Step.GATE, false, "gate closed: " + result.unexplained() + " unexplained", figures);
      return BLOCKED;
    }
    out.printf(Locale.ROOT, "  the gate is open: nothing unexplained%s; report in %s%n", result.explained() > 0
        ? " (" + result.explained() + " explained difference(s) accepted)" : "", dir.resolve("reconcile.html"));
    run.record(Step.GATE, true, "reconciled", figures);
    return null;
  }

  /**
   * Both directions' dead letters, for reconcile: at a rollback a change of the new system that the reverse mapping or
   * the legacy database refused is explained by the reverse direction's letter, not reported as unexplained.
   */
  public static Reconciliation.DeadLetterIndexSource deadLetters(final SinkConfig forward, final SinkConfig reverse) {
    return Reconciliation.DeadLetterIndexSource.topics(forward.kafka(),
        forward.kafka().topics(forward.kafka().registry()).deadLetter(), reverse.kafka(),
        reverse.kafka().topics(reverse.kafka().registry()).deadLetter());
  }

  /**
   * Makes the opening direction live, and waits until both sinks have answered it; first, that nothing was written
   * to the draining side after the freeze ({@link WritesAfterFreeze}): else it takes the freeze back and flips nothing.
   */
  private boolean flip(final CutoverRun run, final Options options) throws Exception {
    final var kafka = opening.sink().kafka();
    final String topic = opening.sink().control().topic();
    LiveDirection.State state = LiveDirection.read(kafka, topic).state();
    if (state.direction() != opening.direction()) {
      final Map<String, java.util.Set<Long>> late = WritesAfterFreeze.find(draining, run.position(), run.frozenAt());
      if (!late.isEmpty()) {
        out.println("  writes to " + source(draining) + " after the freeze at " + run.position() + ": "
            + WritesAfterFreeze.describe(late) + ". Something still writes (a job, another instance of the "
            + "application); nothing was flipped. Stop it, then run the same command again: it freezes, drains and "
            + "reconciles again");
        run.record(Step.FREEZE, false, "writes after the freeze: " + WritesAfterFreeze.describe(late),
            Map.of("tables", List.copyOf(late.keySet())));
        return false;
      }
      state = LiveDirection.publish(kafka, topic, opening.direction(), "ferry cutover on " + host());
      out.println("  " + opening.name() + " is live from now (epoch " + state.epoch() + ")");
      liftOpeningFence();
    } else {
      out.println("  " + opening.name() + " is live already (epoch " + state.epoch() + "); waiting for the sinks");
    }
    final String holds = "sink/" + draining.sink().groupId();
    final String applies = "sink/" + opening.sink().groupId();
    final long deadline = System.nanoTime() + options.flipTimeout().toNanos();
    Map<String, LiveDirection.Answer> answers = Map.of();
    boolean capturing = false;
    try (LiveDirectionReader control = new LiveDirectionReader(kafka, topic)) {
      while (System.nanoTime() < deadline) {
        answers = control.snapshot().answers();
        capturing = capturing(opening);
        if (answered(answers.get(holds), "standby", state.epoch()) && answered(answers.get(applies), "live",
            state.epoch()) && capturing) {
          out.println("  the " + draining.name() + " sink holds and the " + opening.name() + " sink applies; the "
              + opening.name() + " capture reads its slot");
          run.record(Step.FLIP, true, opening.name() + " live, epoch " + state.epoch(), Map.of("epoch",
              state.epoch()));
          return true;
        }
        Thread.sleep(500);
      }
    }
    out.println("  the flip stands (" + opening.name() + " is live), but within " + options.flipTimeout().toSeconds()
        + " s " + (answered(answers.get(applies), "live", state.epoch()) ? "" : "the " + opening.name() + " sink ("
        + opening.sink().groupId() + ") did not say it applies; ") + (answered(answers.get(holds), "standby",
        state.epoch()) ? "" : "the " + draining.name() + " sink (" + draining.sink().groupId() + ") did not say it "
        + "holds; ") + (capturing ? "" : "the " + opening.name() + " capture is not connected to its slot "
        + opening.capture().slotName() + " (its changes wait there); ") + "are they running? Run the same command "
        + "again to wait on");
    run.record(Step.FLIP, false, "flip not answered", Map.of("epoch", state.epoch()));
    return false;
  }

  /** Whether a capture is connected to {@code leg}'s replication slot (it is active): changes flow, not only wait. */
  private static boolean capturing(final Leg leg) {
    try (Connection c = leg.captured(); java.sql.PreparedStatement ps = c.prepareStatement("SELECT active FROM "
        + "pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, leg.capture().slotName());
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  private static boolean answered(final LiveDirection.Answer a, final String state, final long epoch) {
    return a != null && a.state().equals(state) && a.epoch() >= epoch;
  }

  private void report(final CutoverRun run) {
    out.println("  " + run.summary());
    out.println("  the " + opening.name() + " direction is live: " + source(opening) + " is now written by its "
        + "application, and Ferry keeps " + target(opening) + " in step");
    out.println("  to go back: stop that application, then run ferry cutover " + (opening.direction()
        == LiveDirection.Direction.REVERSE ? "--rollback " : "") + "-c <the forward configuration> --writers-stopped (or "
        + "--fence)");
  }

  private static String source(final Leg leg) {
    return leg.capture().database() + " on " + leg.capture().host() + ":" + leg.capture().port();
  }

  private static String target(final Leg leg) {
    return dev.ferry.config.Secrets.redactUrl(leg.sink().jdbcUrl());
  }

  static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown host";
    }
  }

  static String newRunId() {
    return Instant.now().toString().substring(0, 19).replace(":", "") + "-" + UUID.randomUUID().toString()
        .substring(0, 8);
  }
}
