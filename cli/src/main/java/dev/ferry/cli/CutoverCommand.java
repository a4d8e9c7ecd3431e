package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Durations;
import dev.ferry.cutover.Cutover;
import dev.ferry.cutover.Leg;
import dev.ferry.schemas.LiveDirection.Direction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry cutover}: flips the sync from the forward direction to the reverse one ({@code --rollback}: back),
 * step by step ({@link Cutover}); resumes where a run that was stopped left off. Reads the forward configuration and
 * the reverse one it names ({@code cutover.reverse-config}).
 */
@Command(name = "cutover", description = "Flip the sync's direction: preflight, freeze (you stop the application "
    + "writing the live side and say so with --writers-stopped, or Ferry fences its tables against writes with "
    + "--fence), drain, a reconciliation gate, flip, report. Run it again after a stop and it resumes. --rollback "
    + "flips back the same way.")
final class CutoverCommand extends ServiceCommand {
  @Option(names = "--rollback", description = "Flip back: reverse to forward.")
  boolean rollback;

  @Option(names = "--writers-stopped", description = "The application writing the live side's database is stopped "
      + "(the legacy one for a cutover, the new one for a rollback).")
  boolean writersStopped;

  @Option(names = "--fence", description = "At the freeze, fence the live side's captured tables against writes: the "
      + "application's writes to them fail from then on (Ferry's sinks still write), until that side leads again. "
      + "The capture's user must own the tables (or be in their owner's role).")
  boolean fence;

  @Option(names = "--unfence", description = "Lift the fence from the live side's tables (it lets the application "
      + "write again; a cutover in progress is frozen anew when run again), and nothing else.")
  boolean unfence;

  @Option(names = "--accept-explained", description = "Let the gate open with explained differences (rows on the "
      + "dead-letter topic); unexplained ones always close it.")
  boolean acceptExplained;

  @Option(names = "--drain-timeout", defaultValue = "10m", description = "Longest wait for the drain; default "
      + "${DEFAULT-VALUE}.")
  String drainTimeout;

  @Option(names = "--flip-timeout", defaultValue = "2m", description = "Longest wait for both sinks to answer the "
      + "flip; default ${DEFAULT-VALUE}.")
  String flipTimeout;

  @Option(names = "--settle", defaultValue = "5s", description = "The gate's reconciliation looks again at a table "
      + "found different after this long; default ${DEFAULT-VALUE}.")
  String settle;

  @Option(names = "--report", description = "Directory for the gate's reconciliation report (default: a temporary "
      + "directory, printed).")
  Path report;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    final FerryConfig forward = FerryConfig.load(config, EnumSet.allOf(Role.class));
    final FerryConfig reverse = Directions.reverseOf(forward, config);
    final Leg f = Directions.leg(forward);
    final Leg r = Directions.leg(reverse);
    final Cutover cutover = new Cutover(rollback ? r : f, rollback ? f : r, forward.sink().history(), System.out);
    if (unfence) {
      return cutover.unfence();
    }
    return cutover.run(new Cutover.Options(writersStopped, fence, acceptExplained,
        duration("--drain-timeout", drainTimeout),
        duration("--flip-timeout", flipTimeout), duration("--settle", settle), report));
  }

  private Duration duration(final String option, final String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": '" + value + "' is not a duration; "
          + "write a number followed by ms, s, m, h or d, e.g. 10m");
    }
  }
}
