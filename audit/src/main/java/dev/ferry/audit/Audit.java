package dev.ferry.audit;

import dev.ferry.history.Progress;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.schemas.Relation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ferry audit}: what every captured legacy table holds ({@link TableProfile}), its referential problems
 * ({@link Integrity}), and what the mapping will make of it ({@link DryRun}), before anything moves. Nothing is
 * written to either database.
 */
public final class Audit {
  /** Opens a database connection. */
  @FunctionalInterface
  public interface Connect {
    Connection open() throws SQLException;
  }

  /**
   * What the audit reads.
   *
   * @param tables the captured legacy tables, {@code schema.table}
   * @param target opens the target database, for its foreign keys; null when there is none yet
   */
  public record Inputs(Mapping mapping, Path mappingFile, List<String> tables, List<Relation> relations,
      Connect legacy, Connect target) {
  }

  /** One legacy table's profile and dry run (null when the table is captured but not mapped). */
  record TableAudit(TableProfile profile, DryRun dryRun, double seconds) {
  }

  /** Everything the audit found. */
  public static final class Result {
    final Instant started;
    Instant finished;
    final List<TableAudit> tables = new ArrayList<>();
    final List<Integrity.Finding> findings = new ArrayList<>();
    String spec;

    Result(final Instant started) {
      this.started = started;
    }

    /** Rows the mapping would refuse, over every table. */
    public long refused() {
      return tables.stream().filter(t -> t.dryRun() != null).mapToLong(t -> t.dryRun().refused).sum();
    }

    public long rows() {
      return tables.stream().mapToLong(t -> t.profile().rows).sum();
    }

    /** The figures the run history keeps. */
    public Map<String, Object> figures() {
      final Map<String, Object> perTable = new LinkedHashMap<>();
      for (final TableAudit t : tables) {
        final Map<String, Object> n = new LinkedHashMap<>();
        n.put("rows", t.profile().rows);
        if (t.dryRun() != null) {
          n.put("refused", t.dryRun().refused);
          n.put("warned", t.dryRun().warned);
        }
        perTable.put(t.profile().table, n);
      }
      final Map<String, Object> out = new LinkedHashMap<>();
      out.put("rows", rows());
      out.put("refused", refused());
      out.put("integrityProblems", findings.stream().mapToLong(Integrity.Finding::failing).sum());
      out.put("tables", perTable);
      return out;
    }
  }

  private Audit() {
  }

  /** Runs the audit, printing a line per step to {@code out}. */
  public static Result run(final Inputs in, final PrintStream out) throws Exception {
    final Result result = new Result(Instant.now());
    final MigrationSpec spec = MigrationSpec.read(in.mappingFile());
    result.spec = spec.markdown();
    final Map<String, Map<String, Set<String>>> formats = spec.dateFormats();
    final RowMapper mapper = new RowMapper(in.mapping());
    final Progress progress = Progress.to(out);
    try (Connection legacy = in.legacy().open()) {
      for (final String table : in.tables()) {
        final long started = System.nanoTime();
        out.printf(Locale.ROOT, "  profiling %s%n", table);
        final TableProfile profile = TableProfile.of(legacy, table, formats.getOrDefault(table, Map.of()));
        DryRun dry = null;
        final Progress.Task task = progress.start("mapping " + table, profile.rows, "rows");
        if (in.mapping().forSource(table).isPresent()) {
          dry = DryRun.of(legacy, table, mapper, task);
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        result.tables.add(new TableAudit(profile, dry, seconds));
        task.end(String.format(Locale.ROOT, "  %s: %,d rows%s (%.1f s)", table, profile.rows, dry == null
            ? ", not mapped" : String.format(Locale.ROOT, "; the mapping would refuse %,d and warn on %,d",
            dry.refused, dry.warned), seconds));
      }
      out.println("  checking relations, foreign keys and natural keys");
      result.findings.addAll(Integrity.relations(legacy, in.relations()));
      if (in.target() != null) {
        try (Connection target = in.target().open()) {
          result.findings.addAll(Integrity.targetForeignKeys(legacy, target, in.mapping()));
        } catch (SQLException e) {
          result.findings.add(new Integrity.Finding("foreign key", "(target)", 0, List.of(),
              "the target database could not be read: " + e.getMessage()));
        }
      }
      result.findings.addAll(Integrity.duplicates(legacy, in.mapping()));
    }
    result.finished = Instant.now();
    return result;
  }
}
