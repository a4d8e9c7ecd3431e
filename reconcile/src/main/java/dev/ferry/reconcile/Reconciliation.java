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
 * <p>It may run while the sync runs. A table found different is looked at again once the sync has applied every
 * change the legacy database had committed when the first look began ({@link ChangesInFlight}, at most
 * {@link #IN_FLIGHT_AT_MOST}) and {@code settle} has passed, and only differences found both times are reported: a
 * row that changed after the first look (its change still on its way through the pipeline) is checked again, not
 * reported.
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
   * @param settle how long to wait at least before looking again at a table found different; zero looks once
   * @param inFlight the running sync's changes on their way, waited for before a second look
   */
  public record Inputs(Mapping mapping, Connect legacy, Connect target, String versionColumn, Duration settle,
      ChangesInFlight inFlight) {
    /** Without a running sync to wait for: a second look comes {@code settle} after the first. */
    public Inputs(final Mapping mapping, final Connect legacy, final Connect target, final String versionColumn,
        final Duration settle) {
      this(mapping, legacy, target, versionColumn, settle, ChangesInFlight.NONE);
    }
  }

  /** How long a second look waits at most for the changes in flight at the first ({@link ChangesInFlight}). */
  public static final Duration IN_FLIGHT_AT_MOST = Duration.ofMinutes(5);

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
        final String mark = in.settle().isZero() ? null : mark(in, out);
        TableResult result = look(in, comparison, out);
        final long firstLookEnded = System.nanoTime();
        if (result.differing() > 0 && !in.settle().isZero()) {
          settle(in, mark, result, firstLookEnded, out);
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

  /** Where the legacy database stands before a first look ({@link ChangesInFlight#mark}); null when unknown. */
  private static String mark(final Inputs in, final PrintStream out) {
    try {
      return in.inFlight().mark();
    } catch (Exception e) {
      out.printf(Locale.ROOT, "  cannot read where the legacy database stands (%s): a table found different is "
          + "looked at again after %d s%n", e.getMessage(), in.settle().toSeconds());
      return null;
    }
  }

  /**
   * Waits before a second look at a table found different: until the sync has applied what the legacy database had
   * committed at {@code mark} (taken before the first look), and at least {@code settle} after the first look ended
   * ({@code firstLookEnded}, {@link System#nanoTime()}).
   */
  private static void settle(final Inputs in, final String mark, final TableResult result, final long firstLookEnded,
      final PrintStream out) throws Exception {
    if (mark == null) {
      out.printf(Locale.ROOT, "  %s: %,d difference(s); looking again in %d s, for rows the sync was still "
          + "applying%n", result.target, result.differing(), in.settle().toSeconds());
    } else {
      out.printf(Locale.ROOT, "  %s: %,d difference(s); looking again once the sync has applied what the legacy "
          + "database had committed at %s (at most %d min)%n", result.target, result.differing(), mark,
          IN_FLIGHT_AT_MOST.toMinutes());
      final long started = System.nanoTime();
      boolean applied;
      try {
        applied = in.inFlight().awaitApplied(mark, IN_FLIGHT_AT_MOST);
      } catch (Exception e) {
        out.printf(Locale.ROOT, "  %s: cannot tell where the sync stands (%s)%n", result.target, e.getMessage());
        applied = false;
      }
      if (applied) {
        out.printf(Locale.ROOT, "  %s: the sync applied it in %.1f s%n", result.target,
            (System.nanoTime() - started) / 1e9);
      } else {
        out.printf(Locale.ROOT, "  %s: the sync did not apply it (no capture running, or still behind after %d "
            + "min): looking again in %d s%n", result.target, IN_FLIGHT_AT_MOST.toMinutes(),
            (Math.max(0, in.settle().toNanos() - (System.nanoTime() - firstLookEnded)) + 999_999_999) / 1_000_000_000);
      }
    }
    final long left = in.settle().toNanos() - (System.nanoTime() - firstLookEnded);
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
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
