package dev.ferry.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ops port's {@code /metrics}, whole and by name, over a real HTTP server on loopback. */
class OpsServerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aScrapeByNameHoldsOnlyTheNamedFamiliesWhereAWholeScrapeHoldsEveryMeter() throws Exception {
    try (OpsServer ops = OpsServer.start(OpsConfig.LOOPBACK, OpsConfig.Service.SINK)) {
      ops.registry().counter("ferry.sink.rows.applied").increment(1234);
      ops.registry().counter("ferry.sink.rows.refused").increment(7);
      ops.registry().timer("ferry.sink.apply").record(Duration.ofMillis(3));

      final String whole = get(ops, "metrics");
      assertThat(whole).contains("ferry_sink_rows_applied_total{service=\"sink\"} 1234.0",
          "ferry_sink_rows_refused_total{service=\"sink\"} 7.0", "jvm_memory_used_bytes");

      final String one = get(ops, "metrics?name[]=ferry_sink_rows_applied_total");
      assertThat(one).contains("ferry_sink_rows_applied_total{service=\"sink\"} 1234.0")
          .doesNotContain("ferry_sink_rows_refused", "jvm_memory_used_bytes", "ferry_sink_apply");

      // URL-encoded brackets, two names, one of them by its family's name and one by a sample's suffix
      final String two = get(ops, "metrics?name%5B%5D=ferry_sink_rows_refused&name[]=ferry_sink_apply_seconds_count");
      assertThat(two).contains("ferry_sink_rows_refused_total{service=\"sink\"} 7.0",
          "ferry_sink_apply_seconds_count{service=\"sink\"} 1")
          .doesNotContain("ferry_sink_rows_applied", "jvm_memory_used_bytes");

      assertThat(get(ops, "metrics?name[]=no_such_metric")).doesNotContain("ferry_sink", "jvm_");
      assertThat(get(ops, "metrics?other=1")).contains("ferry_sink_rows_applied_total", "jvm_memory_used_bytes");
    }
  }

  private String get(final OpsServer ops, final String path) throws Exception {
    final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ops.url() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
