package dev.ferry.history;

import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.Topic;
import dev.ferry.schemas.TopicToEnd;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cumulative error log: every dead letter written so far, per day (UTC) and rule, with how many a later replay
 * pass sent back and how many of those were resolved (their row has had no dead letter since that pass). The
 * dead-letter topic is the log; the replay passes come from the {@link RunHistory}.
 */
public final class ErrorLog {
  /** One dead letter, as far as the log needs it: when, which rule (its first error), which row, where it is. */
  public record Letter(Instant at, String stage, String rule, boolean error, String row, int partition, long offset) {
  }

  /** Dead letters of one day and rule. */
  public record Day(LocalDate day, String rule, String severity, long letters, long replayed, long resolved) {
  }

  private ErrorLog() {
  }

  /** Every committed letter of {@code topic}, from its beginning to its end as of now; empty when it does not exist. */
  public static List<Letter> read(final KafkaSettings kafka, final Topic<String, DeadLetter> topic) {
    final List<Letter> out = new ArrayList<>();
    TopicToEnd.read(kafka, topic, r -> {
      final DeadLetter d = r.value();
      final RecordError first = d.getErrors().isEmpty() ? null : d.getErrors().get(0);
      final boolean error = d.getErrors().stream().anyMatch(e -> e.getSeverity() == Severity.ERROR);
      out.add(new Letter(Instant.ofEpochMilli(d.getTsMs()), d.getStage().name(), first == null ? "?" : first.getRule(),
          error, d.getSourceTable() == null ? null : d.getSourceTable() + " " + d.getSourceKey(), r.partition(),
          r.offset()));
    });
    return out;
  }

  /**
   * The letters per day and rule, oldest first. A letter counts as replayed when a replay pass recorded after it
   * read its offset (and its filters let it through), and as resolved when its row has had no letter since.
   */
  public static List<Day> perDay(final Collection<Letter> letters, final List<RunHistory.Entry> history) {
    final List<ReplayPass> passes = history.stream().filter(e -> e.kind() == RunHistory.Kind.REPLAY)
        .map(ReplayPass::of).filter(p -> p != null && !p.dryRun()).toList();
    final Map<String, Instant> lastLetter = new HashMap<>();
    for (final Letter l : letters) {
      if (l.row() != null) {
        lastLetter.merge(l.row(), l.at(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    final Map<String, long[]> byDayRule = new TreeMap<>();
    for (final Letter l : letters) {
      final String severity = l.error() ? "error" : "warning";
      final long[] n = byDayRule.computeIfAbsent(l.at().atZone(ZoneOffset.UTC).toLocalDate() + "\u0001" + l.rule()
          + "\u0001" + severity, k -> new long[3]);
      n[0]++;
      final ReplayPass pass = passes.stream().filter(p -> p.covers(l)).findFirst().orElse(null);
      if (pass != null) {
        n[1]++;
        if (l.row() != null && !lastLetter.get(l.row()).isAfter(pass.at())) {
          n[2]++;
        }
      }
    }
    final List<Day> out = new ArrayList<>();
    byDayRule.forEach((k, n) -> {
      final String[] parts = k.split("\u0001", 3);
      out.add(new Day(LocalDate.parse(parts[0]), parts[1], parts[2], n[0], n[1], n[2]));
    });
    return out;
  }

  /**
   * What one replay pass read, from its history entry's counts ({@code ranges}, {@code rules}, {@code tables},
   * {@code startedMs}).
   */
  record ReplayPass(Instant at, Map<Integer, long[]> ranges, List<String> rules, List<String> tables, boolean dryRun) {
    @SuppressWarnings("unchecked")
    static ReplayPass of(final RunHistory.Entry e) {
      final Object ranges = e.counts().get("ranges");
      if (!(ranges instanceof Map<?, ?> m)) {
        return null;
      }
      final Map<Integer, long[]> parsed = new HashMap<>();
      m.forEach((partition, range) -> {
        final List<Number> r = (List<Number>) range;
        parsed.put(Integer.parseInt(partition.toString()), new long[] {r.get(0).longValue(), r.get(1).longValue()});
      });
      // the pass's start: a letter written after it (a row refused again) is not resolved by it
      final Object started = e.counts().get("startedMs");
      return new ReplayPass(started instanceof Number n ? Instant.ofEpochMilli(n.longValue()) : e.at(), parsed, (List<String>) e.counts().getOrDefault("rules", List.of()),
          (List<String>) e.counts().getOrDefault("tables", List.of()),
          Boolean.TRUE.equals(e.counts().get("dryRun")));
    }

    boolean covers(final Letter l) {
      final long[] range = ranges.get(l.partition());
      return range != null && l.offset() >= range[0] && l.offset() < range[1] && l.at().isBefore(at)
          && (rules.isEmpty() || rules.contains(l.rule()))
          && (tables.isEmpty() || l.row() != null && tables.stream().anyMatch(t -> l.row().startsWith(t + " ")));
    }
  }
}
