package dev.ferry.cli;

import dev.ferry.cutover.Cutover;
import dev.ferry.cutover.SyncInFlight;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.LiveDirection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * {@code ferry status}: which direction of the sync is live, what each sink and processor last answered on the
 * control topic, the last cutover steps from the run history, records Kafka deleted before a stage read them (the
 * last 30 days of the history), and where a cutover's fence stands.
 */
@Command(name = "status", description = "Show which direction of the sync is live (forward: legacy to new; "
    + "reverse: after cutover), what each service last said, the last cutover steps, and where a cutover's fence "
    + "stands.")
final class StatusCommand extends ServiceCommand {

  @Override
  public Integer call() throws Exception {
    final FerryConfig c = FerryConfig.load(config, EnumSet.of(Role.SINK));
    final var control = c.sink().control();
    final LiveDirection.Snapshot s = LiveDirection.read(c.sink().kafka(), control.topic());
    final LiveDirection.State state = s.state();
    System.out.printf(Locale.ROOT, "live direction: %s (epoch %d%s)%n", state.direction().id(), state.epoch(),
        state.epoch() == 0 ? ", never flipped" : ", set " + ago(state.at()) + " by " + state.by());
    System.out.println("this configuration is the " + control.direction().id() + " direction"
        + (control.direction() == state.direction() ? ": live" : ": holding"));
    for (final LiveDirection.Answer a : s.answers().values()) {
      System.out.printf(Locale.ROOT, "  %-50s %-8s %-8s epoch %d, %s%s%n", a.from(), a.direction().id(), a.state(),
          a.epoch(), ago(a.at()), figures(a));
    }
    try {
      final var steps = c.sink().history().recent(RunHistory.Kind.CUTOVER, 12);
      if (!steps.isEmpty()) {
        System.out.println("last cutover steps:");
        steps.forEach(e -> System.out.println(line(e)));
      }
      // changes Kafka deleted before a stage read them: until the tables are read again the target lacks them
      final var lost = c.sink().history().recent(RunHistory.Kind.RECORDS_LOST, 12).stream()
          .filter(e -> e.at().isAfter(Instant.now().minus(Duration.ofDays(30)))).toList();
      if (!lost.isEmpty()) {
        System.out.println("records Kafka deleted before Ferry read them (last 30 days; repair: ferry resnapshot "
            + "--table ...):");
        lost.forEach(e -> System.out.println(line(e)));
      }
    } catch (SQLException e) {
      System.out.println("the run history cannot be read (" + e.getMessage() + ")");
    }
    // what follows needs all three services configured: a file that configures the sink alone says nothing more
    final FerryConfig all;
    try {
      all = FerryConfig.load(config, EnumSet.allOf(Role.class));
    } catch (dev.ferry.config.ConfigException e) {
      return 0;
    }
    behind(all);
    fences(all);
    return 0;
  }

  /** How far {@code all}'s direction is behind. */
  private void behind(final FerryConfig all) {
    try {
      System.out.println(new SyncInFlight(Directions.leg(all)).behind());
    } catch (Exception e) {
      System.out.println("how far the sync is behind cannot be read (" + e.getMessage() + ")");
    }
  }

  /**
   * Whether a cutover's fence stands on either direction's source, where this is a forward configuration that names
   * its reverse one (else there is no cutover, and nothing to say).
   */
  private void fences(final FerryConfig forward) {
    final FerryConfig reverse;
    try {
      if (forward.reverseConfig() == null || forward.sink().control().direction() != LiveDirection.Direction.FORWARD) {
        return;
      }
      reverse = Directions.reverseOf(forward, config);
    } catch (dev.ferry.config.ConfigException e) {
      return;
    }
    System.out.println(Cutover.fenceLine(Directions.leg(forward)));
    System.out.println(Cutover.fenceLine(Directions.leg(reverse)));
  }

  /** What an answer reports: a holding sink, how many records wait for it; a processor, what it holds. */
  private static String figures(final LiveDirection.Answer a) {
    final Long held = a.figures().get("held");
    if (held != null && a.figures().size() == 1) {
      return ", " + held + " record(s) wait on its apply topic (its source was written while it holds)";
    }
    return a.figures().isEmpty() ? "" : " " + a.figures();
  }

  /** A history entry as a line: its time to the second, then its summary. */
  private static String line(final RunHistory.Entry e) {
    return "  " + e.at().toString().substring(0, 19).replace('T', ' ') + "  " + e.summary();
  }

  private static String ago(final Instant at) {
    final long s = Duration.between(at, Instant.now()).toSeconds();
    return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
  }
}
