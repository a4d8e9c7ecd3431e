package dev.ferry.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a service's port for operators, as Prometheus and a load balancer would. */
final class OpsScrape {
  private OpsScrape() {
  }

  static HttpResponse<String> get(final String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of {@code series} (name and labels as Prometheus prints them) in the scrape of {@code base}metrics. */
  static double value(final String base, final String series) throws Exception {
    final String scrape = get(base + "metrics").body();
    return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no " + series + " in the scrape of " + base));
  }
}
