package dev.ferry.ops;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The metrics a scrape asks for by name: {@code /metrics?name[]=ferry_sink_rows_applied_total&name[]=...}, the query
 * Prometheus' own client libraries answer (and a scrape job's {@code params} sends). A whole scrape of a service
 * renders every meter it binds, the Kafka clients' and Kafka Streams' hundreds among them: a probe that polls one
 * counter several times a second (a benchmark waiting for the last row, a deployment script waiting for a migration)
 * then costs the service CPU it needs for its work. A name may be given as the scrape prints it (with a suffix such as
 * {@code _total} or {@code _count}) or as its family's name; the answer holds the whole family.
 */
final class MetricNames {
  /** What Prometheus' text format appends to a family's name on its samples. */
  private static final List<String> SUFFIXES = List.of("_total", "_count", "_sum", "_bucket", "_max", "_info",
      "_created");

  private MetricNames() {
  }

  /**
   * The family names {@code rawQuery} (a request URI's raw query, null for none) asks for with {@code name[]}, each
   * also without a sample suffix; empty when it names none (then the scrape holds every metric).
   */
  static Set<String> requested(final String rawQuery) {
    final Set<String> names = new LinkedHashSet<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return names;
    }
    for (final String pair : rawQuery.split("&")) {
      final int eq = pair.indexOf('=');
      if (eq < 0 || !"name[]".equals(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))) {
        continue;
      }
      final String name = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).trim();
      if (name.isEmpty()) {
        continue;
      }
      names.add(name);
      for (final String suffix : SUFFIXES) {
        if (name.endsWith(suffix) && name.length() > suffix.length()) {
          names.add(name.substring(0, name.length() - suffix.length()));
        }
      }
    }
    return names;
  }
}
