package dev.ferry.cli;

import dev.ferry.audit.Audit;
import dev.ferry.audit.AuditReport;
import dev.ferry.history.RunHistory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry audit}: profiles every captured legacy table and dry-runs the mapping over every row, writing nothing
 * to either database; the report goes to {@code --report DIR} (or a new directory under {@code ferry-reports}) and
 * the run into the history when a target is configured.
 */
@Command(name = "audit", description = "Profile every captured legacy table (nulls, blanks, distinct values, "
    + "min/max, lengths, top values, what text columns hold), count orphans and duplicate natural keys, and dry-run "
    + "the mapping over every row; writes audit.html, audit.json and migration-spec.md. Writes nothing to either "
    + "database.")
final class AuditCommand extends ServiceCommand {
  @Option(names = "--report", description = "Directory for audit.html, audit.json and migration-spec.md "
      + "(default: ferry-reports/audit-<UTC time> under the working directory).")
  Path report;

  @Override
  public Integer call() throws Exception {
    final FerryConfig c = FerryConfig.load(config, EnumSet.allOf(Role.class));
    final var sink = c.sink();
    final long started = System.nanoTime();
    final Path report = reportDirectory(this.report, "audit");
    final Audit.Result result = Audit.run(new Audit.Inputs(c.processor().mapping(), c.mappingFile(),
        c.connector().tables(), c.processor().kafka().relations(), () -> c.connector().connect(),
        () -> sink.connect("ferry-audit")), System.out);
    AuditReport.write(result, report);
    sink.history().record(RunHistory.Kind.AUDIT, String.format(Locale.ROOT, "audit: %,d legacy rows, %,d would be "
        + "refused", result.rows(), result.refused()), result.figures());
    try {
      HistoryCommand.page(c, report, false);
    } catch (java.sql.SQLException e) {
      System.out.println("history.html not written: the target's run history cannot be read (" + e.getMessage() + ")");
    }
    System.out.printf(Locale.ROOT, "audited %,d legacy rows in %.1f s: the mapping would refuse %,d; report in %s%n",
        result.rows(), (System.nanoTime() - started) / 1e9, result.refused(), report.resolve("audit.html"));
    System.out.printf(Locale.ROOT, "peak heap used %d MB%n", HeapPeak.megabytes());
    return 0;
  }
}
