package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TaggedCountsTest {

  @Test
  void combinationsMetBeforeAndAfterBindingAreExportedWithTheirCounts() {
    final TaggedCounts refused = new TaggedCounts("ferry.test.rows.refused", "rows refused", Tags.of("group", "g1"),
        "table", "rule");
    refused.add(2, "public.orders", "map.number");
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    refused.bindTo(registry);
    refused.add(3, "public.orders", "map.number");
    refused.add(1, "public.order_lines", "validate.range");

    final String scrape = registry.scrape();
    assertThat(scrape).contains(
        "ferry_test_rows_refused_total{group=\"g1\",rule=\"map.number\",table=\"public.orders\"} 5.0",
        "ferry_test_rows_refused_total{group=\"g1\",rule=\"validate.range\",table=\"public.order_lines\"} 1.0");
    assertThat(refused.count("public.orders", "map.number")).isEqualTo(5);
    assertThat(refused.count("public.orders", "validate.range")).isZero();
    assertThat(refused.total()).isEqualTo(6);
    assertThat(refused.snapshot()).containsExactly(
        Map.entry(List.of("public.order_lines", "validate.range"), 1L),
        Map.entry(List.of("public.orders", "map.number"), 5L));
  }

  @Test
  void concurrentWritersLoseNoIncrement() throws Exception {
    final TaggedCounts applied = new TaggedCounts("ferry.test.applied", "applied", Tags.empty(), "table");
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int w = 0; w < 4; w++) {
      final boolean binds = w == 0;
      pool.submit(() -> {
        for (int i = 0; i < 10_000; i++) {
          applied.add(1, "t" + (i % 7));
          if (binds && i == 5_000) {
            applied.bindTo(registry);
          }
        }
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(applied.total()).isEqualTo(40_000);
    assertThat(registry.find("ferry.test.applied").functionCounters()).hasSize(7);
    assertThat(registry.find("ferry.test.applied").functionCounters().stream().mapToDouble(c -> c.count()).sum())
        .isEqualTo(40_000);
  }

  @Test
  void aWrongNumberOfTagValuesIsRefused() {
    final TaggedCounts c = new TaggedCounts("ferry.test.x", "x", Tags.empty(), "table", "rule");
    assertThatThrownBy(() -> c.add(1, "only-table")).hasMessageContaining("[table, rule]");
  }
}
