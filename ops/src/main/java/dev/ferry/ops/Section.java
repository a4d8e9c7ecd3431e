package dev.ferry.ops;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A table on a status page that the service adds: the live direction, the last runs, dead letters per rule. Its rows
 * are read at most once per {@code every} (they may cost a read of a topic or a table) and kept in between; a read
 * that fails shows as one row saying why.
 *
 * @param columns the header
 */
public final class Section {
  private final String title;
  private final List<String> columns;
  private final Supplier<List<List<String>>> rows;
  private final long everyNanos;
  private List<List<String>> kept;
  private long readAt;

  public Section(final String title, final List<String> columns, final Duration every,
      final Supplier<List<List<String>>> rows) {
    this.title = title;
    this.columns = List.copyOf(columns);
    this.rows = rows;
    this.everyNanos = every.toNanos();
  }

  String title() {
    return title;
  }

  List<String> columns() {
    return columns;
  }

  synchronized List<List<String>> rows() {
    if (kept == null || System.nanoTime() - readAt > everyNanos) {
      try {
        kept = rows.get();
      } catch (RuntimeException e) {
        kept = List.of(List.of("cannot be read now: " + e.getMessage()));
      }
      readAt = System.nanoTime();
    }
    return kept;
  }
}
