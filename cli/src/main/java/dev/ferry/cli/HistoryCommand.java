package dev.ferry.cli;

import dev.ferry.history.ErrorLog;
import dev.ferry.history.HistoryPage;
import dev.ferry.history.RunHistory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry history}: the runs the target's history table holds, and with {@code --errors} the cumulative error
 * log (dead letters per day and rule, and which a later replay resolved); {@code --html DIR} writes both as one page.
 */
@Command(name = "history", description = "Print the run history the target keeps (sink starts and stops, snapshots "
    + "applied, replay passes, reconciliations); --errors: dead letters per rule per day and which a later replay "
    + "resolved.")
final class HistoryCommand extends ServiceCommand {
  @Option(names = "--errors", description = "Print the dead letters per day and rule instead (reads the dead-letter "
      + "topic).")
  boolean errors;

  @Option(names = "--limit", defaultValue = "50", description = "How many of the newest runs to print; default "
      + "${DEFAULT-VALUE}.")
  int limit;

  @Option(names = "--html", description = "Also write DIR/history.html: the runs and the dead letters per day, with a "
      + "chart.")
  Path html;

  @Override
  public Integer call() throws Exception {
    final FerryConfig c = FerryConfig.load(config, EnumSet.of(Role.SINK));
    final RunHistory history = c.sink().history();
    if (errors) {
      final List<ErrorLog.Day> days = ErrorLog.perDay(letters(c), history.recent(Integer.MAX_VALUE));
      System.out.printf(Locale.ROOT, "%-10s  %-28s  %-8s  %12s  %9s  %9s%n", "day (UTC)", "rule", "severity",
          "dead letters", "replayed", "resolved");
      for (final ErrorLog.Day d : days) {
        System.out.printf(Locale.ROOT, "%-10s  %-28s  %-8s  %,12d  %,9d  %,9d%n", d.day(), d.rule(), d.severity(),
            d.letters(), d.replayed(), d.resolved());
      }
      if (days.isEmpty()) {
        System.out.println("no dead letters");
      }
    } else {
      final List<RunHistory.Entry> runs = history.recent(limit);
      for (final RunHistory.Entry e : runs) {
        System.out.printf(Locale.ROOT, "%5d  %s  %-16s  %s%n", e.id(), e.at().toString().replace('T', ' '),
            e.kind().id(), e.summary());
      }
      if (runs.isEmpty()) {
        System.out.println("no runs recorded yet (" + c.sink().historyTable() + " in the target)");
      }
    }
    if (html != null) {
      System.out.println("wrote " + page(c, html, true));
    }
    return 0;
  }

  /** Writes {@code dir/history.html}: every run, and the dead letters per day when {@code withLetters}. */
  static Path page(final FerryConfig c, final Path dir, final boolean withLetters) throws Exception {
    final List<RunHistory.Entry> runs = c.sink().history().recent(Integer.MAX_VALUE);
    return HistoryPage.write(dir, runs, withLetters ? ErrorLog.perDay(letters(c), runs) : List.of());
  }

  private static List<ErrorLog.Letter> letters(final FerryConfig c) {
    final var kafka = c.sink().kafka();
    return ErrorLog.read(kafka, kafka.topics(kafka.registry()).deadLetter());
  }
}
