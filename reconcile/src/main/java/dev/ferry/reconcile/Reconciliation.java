package dev.ferry.reconcile;

import dev.ferry.history.Progress;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.mapping.TableMapping;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ferry reconcile}: the legacy data, passed through the mapping, against the target, table by table and row
 * by row ({@link TableComparison}), with each difference tied to the dead letter that explains it.
 *
 * <p>It may run while the sync runs. A table found different is looked at again after {@code settle}, and only
 * differences found both times are reported: a row that changed after the first look (its change still on its
 * way through the pipeline) is checked again, not reported.
 */
public final class Reconciliation {
  /** Opens a database connection; called once per table and look. */
  @FunctionalInterface
  public interface Connect {
    Connection open() throws SQLException;
  }

  /**
   * What reconcile compares and how.
   *
   * @param mapping the mapping the sync runs with
   * @param legacy opens a connection to the legacy database
   * @param target opens a connection to the target database
   * @param versionColumn the sink's version column in target tables (not compared)
   * @param settle how long to wait before looking again at a table found different; zero looks once
   */
  public record Inputs(Mapping mapping, Connect legacy, Connect target, String versionColumn, Duration settle) {
  }

  /** Every table's result, and when it ran. */
  public record Result(List<TableResult> tables, Instant started, Instant finished, long deadLetters) {
    public long unexplained() {
      return tables.stream().mapToLong(t -> t.unexplained).sum();
    }

    public long explained() {
      return tables.stream().mapToLong(t -> t.explained).sum();
    }

    /** One line per table: its counts and differences, as the command prints them. */
    public List<String> tableLines() {
      return tables.stream().map(Reconciliation::summary).toList();
    }

    /**
     * The first {@code max} differences no dead letter explains, one line each: table, key, kind and, for a row
     * whose values differ, each column with the value the legacy data maps to and the target's.
     */
    public List<String> unexplainedLines(final int max) {
      final List<String> out = new java.util.ArrayList<>();
      for (final TableResult t : tables) {
        for (final TableResult.Difference d : t.differences) {
          if (d.explainedBy() == null && out.size() < max) {
            out.add(t.target + " " + d.key() + ": " + d.kind().name().toLowerCase(Locale.ROOT) + d.columns().stream()
                .map(c -> " " + c.name() + " " + c.expected() + " -> " + c.actual())
                .collect(java.util.stream.Collectors.joining(",")));
          }
        }
      }
      return out;
    }

    /** The figures the run history keeps: the totals, and per target table its differences by kind. */
    public Map<String, Object> figures() {
      final Map<String, Object> perTable = new LinkedHashMap<>();
      for (final TableResult t : tables) {
        final Map<String, Object> n = new LinkedHashMap<>();
        n.put("targetRows", t.targetRows);
        t.counts.forEach((k, v) -> n.put(k.name().toLowerCase(Locale.ROOT), v));
        n.put("unexplained", t.unexplained);
        if (t.skipped != null) {
          n.put("skipped", t.skipped);
        }
        perTable.put(t.target, n);
      }
      final Map<String, Object> out = new LinkedHashMap<>();
      out.put("unexplained", unexplained());
      out.put("explained", explained());
      out.put("tables", perTable);
      return out;
    }
  }

  private Reconciliation() {
  }

  /**
   * Runs the comparison of every mapped target table; prints a line per step to {@code out}.
   *
   * @param letters the dead letters written so far
   */
  public static Result run(final Inputs in, final DeadLetterIndexSource letters, final PrintStream out)
      throws Exception {
    final Instant started = Instant.now();
    final DeadLetterIndex index = letters.read();
    out.printf(Locale.ROOT, "reconcile: %,d dead letter(s) read%n", index.letters());
    final Map<String, List<TableMapping>> byTarget = new LinkedHashMap<>();
    for (final TableMapping t : in.mapping().tables()) {
      byTarget.computeIfAbsent(t.targetTable(), k -> new ArrayList<>()).add(t);
    }
    final RowMapper mapper = new RowMapper(in.mapping());
    final Path work = Files.createTempDirectory("ferry-reconcile");
    final List<TableResult> results = new ArrayList<>();
    try {
      for (final List<TableMapping> sources : byTarget.values()) {
        final TableComparison comparison = new TableComparison(mapper, sources, in.versionColumn(), index, work);
        TableResult result = look(in, comparison, out);
        if (result.differing() > 0 && !in.settle().isZero()) {
          out.printf(Locale.ROOT, "  %s: %,d difference(s); looking again in %d s, for rows the sync was still "
              + "applying%n", result.target, result.differing(), in.settle().toSeconds());
          Thread.sleep(in.settle().toMillis());
          final TableResult again = look(in, comparison, out);
          if (result.complete()) {
            again.keepThoseAlsoIn(result);
          }
          result = again;
        }
        results.add(result);
        out.println("  " + summary(result));
      }
    } finally {
      deleteQuietly(work);
    }
    return new Result(results, started, Instant.now(), index.letters());
  }

  /** Where the dead letters come from: Kafka in the service, none or a fixed set in tests. */
  @FunctionalInterface
  public interface DeadLetterIndexSource {
    DeadLetterIndex read() throws Exception;

    /** Every letter of the dead-letter topic. */
    static DeadLetterIndexSource topic(final dev.ferry.schemas.KafkaSettings kafka,
        final dev.ferry.schemas.Topic<String, dev.ferry.schemas.DeadLetter> topic) {
      return () -> DeadLetterIndex.read(kafka, topic);
    }

    /**
     * Every letter of the forward dead-letter topic and of the reverse direction's (after a cutover: what explains a
     * legacy row left behind the new system's).
     */
    static DeadLetterIndexSource topics(final dev.ferry.schemas.KafkaSettings kafka,
        final dev.ferry.schemas.Topic<String, dev.ferry.schemas.DeadLetter> forward,
        final dev.ferry.schemas.KafkaSettings reverseKafka,
        final dev.ferry.schemas.Topic<String, dev.ferry.schemas.DeadLetter> reverse) {
      return () -> DeadLetterIndex.read(kafka, forward, reverseKafka, reverse);
    }

    static DeadLetterIndexSource none() {
      return DeadLetterIndex::empty;
    }
  }

  private static TableResult look(final Inputs in, final TableComparison comparison, final PrintStream out)
      throws Exception {
    try (Connection legacy = in.legacy().open(); Connection target = in.target().open()) {
      return comparison.run(legacy, target, Progress.to(out));
    }
  }

  static String summary(final TableResult r) {
    if (r.skipped != null) {
      return r.target + ": not compared: " + r.skipped;
    }
    final long legacy = r.legacyRows.values().stream().mapToLong(Long::longValue).sum();
    return String.format(Locale.ROOT, "%s: legacy %,d, expected %,d, target %,d; missing %,d, extra %,d, different %,d,"
        + " refused %,d; explained %,d, unexplained %,d%s (%.1f s)", r.target, legacy, r.expectedRows, r.targetRows,
        r.counts.get(TableResult.Kind.MISSING), r.counts.get(TableResult.Kind.EXTRA),
        r.counts.get(TableResult.Kind.DIFFERENT), r.counts.get(TableResult.Kind.REFUSED), r.explained, r.unexplained,
        r.changing == 0 ? "" : String.format(Locale.ROOT, "; %,d changing while read, not reported", r.changing),
        r.seconds);
  }

  private static void deleteQuietly(final Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a temporary directory left behind is no reason to fail the run
    }
  }
}
