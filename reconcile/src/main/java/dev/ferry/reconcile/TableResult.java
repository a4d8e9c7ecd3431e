package dev.ferry.reconcile;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What reconcile found for one target table: the counts on both sides, the sums of its numeric columns, and each
 * difference (up to {@link #MAX_DETAILS}; counts are always complete). A difference is explained when a dead
 * letter says why the row is not as the legacy data says.
 */
final class TableResult {
  /** Differences kept with their values per table; more are counted, not listed. */
  static final int MAX_DETAILS = 10_000;

  /** How a row differs. */
  enum Kind {
    /** The legacy data maps to a row the target lacks. */
    MISSING,
    /** The target holds a row no legacy row maps to. */
    EXTRA,
    /** Both hold the row, with different values. */
    DIFFERENT,
    /** The mapping refuses the legacy row (a hard rule or a value it cannot convert). */
    REFUSED
  }

  /** One differing column: the value the legacy data maps to, and the target's. */
  record Column(String name, String expected, String actual) {
  }

  /** One differing row. {@code source} is the legacy table and key it comes from; null for an extra row. */
  record Difference(Kind kind, String key, String source, List<Column> columns,
      DeadLetterIndex.Explanation explainedBy) {
    /** The difference with its values: a row that changed between two looks has another. */
    String id() {
      return kind + "\u0001" + key + "\u0001" + columns;
    }
  }

  /** Sums of one numeric column over the legacy data (mapped) and the target. */
  record Sum(String column, BigDecimal expected, BigDecimal actual) {
    BigDecimal difference() {
      final BigDecimal d = actual.subtract(expected);
      return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    }
  }

  final String target;
  final List<String> sources;
  final Map<String, Long> legacyRows = new LinkedHashMap<>();
  long expectedRows;
  long targetRows;
  long filteredOut;
  final Map<String, Long> warnings = new TreeMap<>();
  final Map<Kind, Long> counts = new LinkedHashMap<>();
  long explained;
  long unexplained;
  final List<Difference> differences = new ArrayList<>();
  final List<Sum> sums = new ArrayList<>();
  String skipped;
  double seconds;
  /** Differences seen in one of two looks only, or with other values in each: rows changing while reconcile ran. */
  long changing;

  TableResult(final String target, final List<String> sources) {
    this.target = target;
    this.sources = List.copyOf(sources);
    for (final Kind k : Kind.values()) {
      counts.put(k, 0L);
    }
  }

  void add(final Difference d) {
    counts.merge(d.kind(), 1L, Long::sum);
    if (d.explainedBy() != null) {
      explained++;
    } else {
      unexplained++;
    }
    if (differences.size() < MAX_DETAILS) {
      differences.add(d);
    }
  }

  /** True when every difference is listed, so that a second look can be matched row by row. */
  boolean complete() {
    return explained + unexplained == differences.size();
  }

  /**
   * Keeps only the differences also found in {@code earlier}, with the same values on both sides: a row that differed
   * in one look only, or whose values changed between the looks, was changing while reconcile ran (its change on its
   * way through the sync) and is not reported; {@link #changing} counts those.
   */
  void keepThoseAlsoIn(final TableResult earlier) {
    final java.util.Set<String> before = new java.util.HashSet<>();
    earlier.differences.forEach(d -> before.add(d.id()));
    final List<Difference> kept = differences.stream().filter(d -> before.contains(d.id())).toList();
    changing = earlier.differences.size() + differences.size() - 2L * kept.size();
    differences.clear();
    counts.replaceAll((k, v) -> 0L);
    explained = 0;
    unexplained = 0;
    kept.forEach(this::add);
  }

  long differing() {
    return explained + unexplained;
  }
}
