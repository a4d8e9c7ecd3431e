package dev.ferry.reconcile;

import dev.ferry.connector.LegacyRows;
import dev.ferry.history.Progress;
import dev.ferry.processor.mapping.ColumnMapping;
import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.TableKey;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares one target table with the legacy rows that map to it. Every legacy table mapped to it is read and each
 * row passed through the mapping ({@link RowMapper}, as the processor does); the mapped rows and the target's rows
 * are spread over {@link RowBuckets} by key, and each bucket is compared in memory: a row the legacy data maps to
 * but the target lacks is missing, one only the target has is extra, one whose values differ is different. The
 * columns compared are those the mapping writes; the target's own (its version column, defaults) are not.
 *
 * <p>A target table written by several legacy tables gets their rows merged by key, each writing its fields. A row
 * the mapping's filter excludes is expected to be absent; one the mapping refuses is a difference of its own,
 * explained when its dead letter is found.
 */
final class TableComparison {
  /** Rows per bucket: what one bucket holds in memory at most, about. */
  private static final long ROWS_PER_BUCKET = 50_000;

  private final RowMapper mapper;
  private final List<TableMapping> sources;
  private final String target;
  private final String versionColumn;
  private final DeadLetterIndex letters;
  private final Path work;

  TableComparison(final RowMapper mapper, final List<TableMapping> sources, final String versionColumn,
      final DeadLetterIndex letters, final Path work) {
    this.mapper = mapper;
    this.sources = List.copyOf(sources);
    this.target = sources.get(0).targetTable();
    this.versionColumn = versionColumn;
    this.letters = letters;
    this.work = work;
  }

  TableResult run(final Connection legacy, final Connection targetDb, final Progress progress) throws Exception {
    final long started = System.nanoTime();
    final TableResult result = new TableResult(target, sources.stream().map(TableMapping::sourceTable).toList());
    final TargetRows targetRows = new TargetRows(targetDb, target);
    final Map<String, TargetColumn> columns = targetRows.columns();
    final TableKey tableKey = columns.isEmpty() ? null : targetRows.key();
    if (columns.isEmpty() || tableKey.isEmpty()) {
      result.skipped = columns.isEmpty() ? "the target table does not exist" : "the target table has "
          + tableKey.describe() + ", so its rows cannot be matched one by one";
      return result;
    }
    final List<String> keyNames = tableKey.columns();
    final boolean appendOnly = appendOnly(keyNames);
    final List<TargetColumn> key = keyNames.stream().map(columns::get).toList();
    final Set<String> written = new LinkedHashSet<>();
    sources.forEach(s -> s.columns().stream().map(ColumnMapping::target).forEach(written::add));
    final List<TargetColumn> compared = new ArrayList<>();
    for (final String name : written) {
      if (columns.containsKey(name) && !keyNames.contains(name) && !name.equals(versionColumn)) {
        compared.add(columns.get(name));
      }
    }
    final long targetCount = targetRows.count();
    long size = targetCount;
    for (final TableMapping s : sources) {
      final long n = LegacyRows.count(legacy, s.sourceTable());
      result.legacyRows.put(s.sourceTable(), n);
      size = Math.max(size, n);
    }
    final int buckets = (int) Math.max(1, Math.min(4096, (size + ROWS_PER_BUCKET - 1) / ROWS_PER_BUCKET));
    try (RowBuckets expected = new RowBuckets(work, "legacy", buckets);
        RowBuckets actual = new RowBuckets(work, "target", buckets)) {
      for (final TableMapping s : sources) {
        final Progress.Task task = progress.start("mapping " + s.sourceTable(), result.legacyRows.get(s.sourceTable()),
            "rows");
        LegacyRows.scan(legacy, s.sourceTable(), null, change -> {
          if (appendOnly) {
            // no position to read here: the rows are matched by their values (below), the position only keys them
            LegacyPosition.keyed(change, "");
          }
          expect(change, key, compared, expected, result, appendOnly);
          task.advance(1);
        });
        task.end(String.format(java.util.Locale.ROOT, "  %s: %,d legacy rows mapped (%.1f s)", s.sourceTable(),
            result.legacyRows.get(s.sourceTable()), (System.nanoTime() - started) / 1e9));
      }
      expected.finish();
      final Progress.Task task = progress.start("reading " + target, targetCount, "rows");
      result.targetRows = targetRows.scan(key, compared, (k, values) -> {
        actual.add(appendOnly ? contentKey(values) : k, values, k);
        task.advance(1);
      });
      task.end(String.format(java.util.Locale.ROOT, "  %s: %,d target rows read (%.1f s)", target, result.targetRows,
          (System.nanoTime() - started) / 1e9));
      actual.finish();
      if (appendOnly) {
        compareCounts(expected, actual, compared, result);
      } else {
        compare(expected, actual, compared, result);
      }
    }
    result.seconds = (System.nanoTime() - started) / 1e9;
    return result;
  }

  /** {@code row}'s values of the {@code compared} columns, as the target's are read. */
  private static String[] values(final List<ColumnValue> row, final List<TargetColumn> compared) {
    final Map<String, ColumnValue> byName = new HashMap<>();
    row.forEach(v -> byName.put(v.getName(), v));
    final String[] values = new String[compared.size()];
    for (int i = 0; i < values.length; i++) {
      final ColumnValue v = byName.get(compared.get(i).name());
      values[i] = v == null ? RowBuckets.ABSENT : compared.get(i).mapped(v);
    }
    return values;
  }

  /**
   * The letters that explain an append-only table's differences, by the row's values: a refused DELETE left the row
   * in the target (extra), a refused UPDATE left the old row there (extra) without the new one (missing). Each
   * explains one row.
   */
  private Map<String, java.util.ArrayDeque<DeadLetterIndex.Explanation>> refusedByValues(
      final List<TargetColumn> compared, final boolean before) {
    final Map<String, java.util.ArrayDeque<DeadLetterIndex.Explanation>> out = new HashMap<>();
    for (final DeadLetterIndex.Refused r : letters.appendOnlyRefused(sources.get(0).sourceTable())) {
      final List<ColumnValue> image = before ? r.change().getBefore() : r.change().getAfter();
      if (image == null) {
        continue;
      }
      final dev.ferry.schemas.ChangeEvent row = dev.ferry.schemas.ChangeEvent.newBuilder(r.change())
          .setOp(dev.ferry.schemas.ChangeOp.READ).setBefore(null).setAfter(image).build();
      final RowMapper.Mapped mapped = mapper.map(LegacyPosition.keyed(row, ""));
      if (mapped != null && mapped.record() != null && mapped.record().getOp() != ApplyOp.DELETE) {
        out.computeIfAbsent(contentKey(values(mapped.record().getRow(), compared)),
            k -> new java.util.ArrayDeque<>()).add(r.explanation());
      }
    }
    return out;
  }

  /**
   * Whether the target table is keyed by an append-only legacy table's position ({@link LegacyPosition}): the
   * mapping writes its key from that column, which the legacy table itself does not hold.
   */
  private boolean appendOnly(final List<String> keyNames) {
    return sources.size() == 1 && sources.get(0).readsPosition() && sources.get(0).columns().stream()
        .anyMatch(f -> keyNames.contains(f.target()) && f.source().columns().equals(List.of(LegacyPosition.COLUMN)));
  }

  /** An append-only row's identity in the comparison: its values, as equal rows are equal there. */
  private static String contentKey(final String[] values) {
    final StringBuilder k = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        k.append('|');
      }
      k.append(values[i] == null ? "\\N" : values[i].replace("\\", "\\\\").replace("|", "\\|"));
    }
    return k.toString();
  }

  /**
   * The comparison of an append-only table: each distinct row counted on both sides (the legacy table may hold equal
   * rows, and the target holds each once per legacy row, under its position). A row the legacy table holds more
   * often than the target is missing that many times, one the target holds more often is extra.
   */
  private void compareCounts(final RowBuckets expected, final RowBuckets actual, final List<TargetColumn> compared,
      final TableResult result) throws Exception {
    final BigDecimal[] expectedSums = new BigDecimal[compared.size()];
    final BigDecimal[] actualSums = new BigDecimal[compared.size()];
    final Map<String, java.util.ArrayDeque<DeadLetterIndex.Explanation>> leftBehind = refusedByValues(compared, true);
    final Map<String, java.util.ArrayDeque<DeadLetterIndex.Explanation>> notApplied = refusedByValues(compared, false);
    for (int b = 0; b < expected.buckets(); b++) {
      final Map<String, java.util.ArrayDeque<RowBuckets.Row>> legacyRows = new HashMap<>();
      expected.read(b, row -> {
        legacyRows.computeIfAbsent(row.key(), k -> new java.util.ArrayDeque<>()).add(row);
        result.expectedRows++;
        sum(compared, row.values(), expectedSums);
      });
      final Map<String, Integer> extra = new HashMap<>();
      actual.read(b, row -> {
        sum(compared, row.values(), actualSums);
        final java.util.ArrayDeque<RowBuckets.Row> want = legacyRows.get(row.key());
        if (want == null || want.poll() == null) {
          final int n = extra.merge(row.key(), 1, Integer::sum);
          final var refused = leftBehind.get(row.key());
          result.add(new TableResult.Difference(TableResult.Kind.EXTRA, row.key() + (n > 1 ? " (" + n + ")" : ""),
              null, List.of(new TableResult.Column("position", null, row.origin())),
              refused != null && !refused.isEmpty() ? refused.poll() : explainExtra(row.origin())));
        }
      });
      legacyRows.forEach((content, left) -> {
        int n = 0;
        for (final RowBuckets.Row missing : left) {
          n++;
          final var refused = notApplied.get(content);
          result.add(new TableResult.Difference(TableResult.Kind.MISSING, content + (n > 1 ? " (" + n + ")" : ""),
              source(missing), List.of(), refused != null && !refused.isEmpty() ? refused.poll() : explain(missing)));
        }
      });
    }
    addSums(compared, expectedSums, actualSums, result);
  }

  private void expect(final dev.ferry.schemas.ChangeEvent change, final List<TargetColumn> key,
      final List<TargetColumn> compared, final RowBuckets expected, final TableResult result,
      final boolean appendOnly) throws Exception {
    final RowMapper.Mapped mapped = mapper.map(change);
    if (mapped == null) {
      return;
    }
    final String sourceTable = change.getSource().getSchema$() + "." + change.getSource().getTable();
    final String legacyKey = Columns.keyText(change.getKey());
    for (final RecordError w : mapped.warnings()) {
      result.warnings.merge(w.getRule(), 1L, Long::sum);
    }
    if (mapped.record() == null) {
      final RecordError e = mapped.errors().get(0);
      result.add(new TableResult.Difference(TableResult.Kind.REFUSED, legacyKey, sourceTable + " " + legacyKey,
          List.of(new TableResult.Column(e.getField() == null ? e.getRule() : e.getField(),
              e.getRule() + ": " + e.getMessage(), e.getValue())),
          letters.explain(sourceTable, legacyKey)));
      return;
    }
    if (mapped.record().getOp() == ApplyOp.DELETE) {
      result.filteredOut++;
      return;
    }
    final Map<String, ColumnValue> byName = new HashMap<>();
    mapped.record().getKey().forEach(v -> byName.put(v.getName(), v));
    final StringBuilder k = new StringBuilder();
    for (int i = 0; i < key.size(); i++) {
      if (i > 0) {
        k.append('|');
      }
      final ColumnValue v = byName.get(key.get(i).name());
      k.append(v == null ? null : key.get(i).mapped(v));
    }
    final String[] values = values(mapped.record().getRow(), compared);
    expected.add(appendOnly ? contentKey(values) : k.toString(), values, sourceTable + "\t" + legacyKey + "\t"
        + Columns.keyText(mapped.record().getKey()));
  }

  private void compare(final RowBuckets expected, final RowBuckets actual, final List<TargetColumn> compared,
      final TableResult result) throws Exception {
    final BigDecimal[] expectedSums = new BigDecimal[compared.size()];
    final BigDecimal[] actualSums = new BigDecimal[compared.size()];
    for (int b = 0; b < expected.buckets(); b++) {
      final Map<String, RowBuckets.Row> legacyRows = new HashMap<>();
      expected.read(b, row -> legacyRows.merge(row.key(), row, TableComparison::merged));
      result.expectedRows += legacyRows.size();
      legacyRows.values().forEach(r -> sum(compared, r.values(), expectedSums));
      actual.read(b, row -> {
        sum(compared, row.values(), actualSums);
        final RowBuckets.Row want = legacyRows.remove(row.key());
        if (want == null) {
          result.add(new TableResult.Difference(TableResult.Kind.EXTRA, row.key(), null, List.of(),
              explainExtra(row.key())));
          return;
        }
        final List<TableResult.Column> differing = new ArrayList<>();
        for (int i = 0; i < compared.size(); i++) {
          final String w = want.values()[i];
          if (w != RowBuckets.ABSENT && !java.util.Objects.equals(w, row.values()[i])) {
            differing.add(new TableResult.Column(compared.get(i).name(), w, row.values()[i]));
          }
        }
        if (!differing.isEmpty()) {
          result.add(new TableResult.Difference(TableResult.Kind.DIFFERENT, row.key(), source(want), differing,
              explain(want)));
        }
      });
      for (final RowBuckets.Row missing : legacyRows.values()) {
        result.add(new TableResult.Difference(TableResult.Kind.MISSING, missing.key(), source(missing), List.of(),
            explain(missing)));
      }
    }
    addSums(compared, expectedSums, actualSums, result);
  }

  /** Each numeric compared column's sums on both sides, into {@code result}. */
  private static void addSums(final List<TargetColumn> compared, final BigDecimal[] expectedSums,
      final BigDecimal[] actualSums, final TableResult result) {
    for (int i = 0; i < compared.size(); i++) {
      if (compared.get(i).kind().numeric()) {
        result.sums.add(new TableResult.Sum(compared.get(i).name(), orZero(expectedSums[i]), orZero(actualSums[i])));
      }
    }
  }

  /** Two legacy rows mapped to one target row (several legacy tables write it): each keeps what it writes. */
  private static RowBuckets.Row merged(final RowBuckets.Row a, final RowBuckets.Row b) {
    final String[] values = a.values().clone();
    for (int i = 0; i < values.length; i++) {
      if (b.values()[i] != RowBuckets.ABSENT) {
        values[i] = b.values()[i];
      }
    }
    return new RowBuckets.Row(a.key(), values, a.origin());
  }

  private static void sum(final List<TargetColumn> compared, final String[] values, final BigDecimal[] sums) {
    for (int i = 0; i < values.length; i++) {
      final String v = values[i];
      if (v == null || v == RowBuckets.ABSENT || !compared.get(i).kind().numeric()) {
        continue;
      }
      try {
        final BigDecimal d = new BigDecimal(v);
        sums[i] = sums[i] == null ? d : sums[i].add(d);
      } catch (NumberFormatException e) {
        // NaN and infinities have no sum; the row comparison shows them
      }
    }
  }

  private static BigDecimal orZero(final BigDecimal d) {
    return d == null ? BigDecimal.ZERO : d;
  }

  private static String source(final RowBuckets.Row row) {
    final String[] parts = row.origin().split("\t", 3);
    return parts[0] + " " + parts[1];
  }

  private DeadLetterIndex.Explanation explain(final RowBuckets.Row row) {
    final String[] parts = row.origin().split("\t", 3);
    DeadLetterIndex.Explanation e = letters.explain(parts[0], parts[1]);
    e = e != null ? e : letters.explain(parts[0], parts[2]);
    // the reverse direction's: its processor names the new system's key, its sink the legacy one
    e = e != null ? e : letters.explainReverse(target, parts[2]);
    return e != null ? e : letters.explainReverse(target, parts[1]);
  }

  private DeadLetterIndex.Explanation explainExtra(final String key) {
    for (final TableMapping s : sources) {
      final DeadLetterIndex.Explanation e = letters.explain(s.sourceTable(), key);
      if (e != null) {
        return e;
      }
    }
    // a row the new system has and the legacy one does not: its insert refused in the reverse direction
    return letters.explainReverse(target, key);
  }
}
