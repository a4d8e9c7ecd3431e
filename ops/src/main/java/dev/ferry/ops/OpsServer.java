package dev.ferry.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's HTTP port for operators ({@link OpsConfig}): {@code /metrics} in Prometheus' text format (Ferry's own
 * meters, those of the Kafka clients and Kafka Streams the service binds, and the JVM's; {@code ?name[]=...} for
 * only the named ones, {@link MetricNames}), {@code /health/live} (the
 * process answers), {@code /health/ready} (200 only when every {@link Readiness.Check} says ready, else 503; the
 * reasons in the body) and a status page at {@code /} that refreshes itself. The JDK's own HTTP server: nothing
 * more to deploy, two threads.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;
  private final String service;
  private final List<Readiness.Check> checks = new CopyOnWriteArrayList<>();
  private final List<Section> sections = new CopyOnWriteArrayList<>();
  private final Rates rates = new Rates();
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private OpsServer(final HttpServer server, final PrometheusMeterRegistry registry, final String service) {
    this.server = server;
    this.registry = registry;
    this.service = service;
  }

  /**
   * Opens {@code service}'s port as {@code config} says, with the JVM's meters bound; null when {@code ops.enabled}
   * is false.
   *
   * @throws IllegalStateException when the port cannot be opened (taken, say), naming it and the setting
   */
  public static OpsServer start(final OpsConfig config, final OpsConfig.Service service) {
    if (!config.enabled()) {
      return null;
    }
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service.id());
    final int port = config.portOf(service);
    final HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(config.bindAddress(), port), 16);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the " + service.id() + "'s HTTP port " + config.bindAddress() + ":"
          + port + " (ops.port " + config.port() + ", ops.bind-address): " + e.getMessage()
          + "; choose another ops.port, or set ops.enabled: false", e);
    }
    final OpsServer ops = new OpsServer(http, registry, service.id());
    for (final MeterBinder jvm : List.of(new ClassLoaderMetrics(), new JvmMemoryMetrics(), ops.gc,
        new JvmThreadMetrics(), new ProcessorMetrics(), new UptimeMetrics())) {
      jvm.bindTo(registry);
    }
    http.createContext("/metrics", ex -> {
      final String type = "text/plain; version=0.0.4; charset=utf-8";
      final Set<String> names = MetricNames.requested(ex.getRequestURI().getRawQuery());
      ops.respond(ex, 200, type, names.isEmpty() ? registry.scrape() : registry.scrape(type, names));
    });
    http.createContext("/health/live", ex -> ops.respond(ex, 200, "text/plain; charset=utf-8", "live\n"));
    http.createContext("/health/ready", ex -> {
      final List<Readiness> now = ops.readiness();
      final StringBuilder body = new StringBuilder();
      now.forEach(r -> body.append(r.ready() ? "ready      " : "not ready  ").append(r.part()).append(": ")
          .append(r.reason()).append('\n'));
      ops.respond(ex, now.stream().allMatch(Readiness::ready) ? 200 : 503, "text/plain; charset=utf-8",
          body.length() == 0 ? "ready\n" : body.toString());
    });
    http.createContext("/", ex -> ops.respond(ex, "/".equals(ex.getRequestURI().getPath()) ? 200 : 404,
        "text/html; charset=utf-8", StatusPage.render(ops.service, ops.readiness(), ops.ferryMeters(), ops.rates,
        ops.sections)));
    http.setExecutor(Executors.newFixedThreadPool(2, r -> {
      final Thread t = new Thread(r, "ferry-ops-" + service.id());
      t.setDaemon(true);
      return t;
    }));
    http.start();
    return ops;
  }

  /** Where to bind this service's meters. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Where its scrapes and readiness answer, as a service prints them beside its address. */
  public String endpoints() {
    return "(Prometheus " + url() + "metrics, health " + url() + "health/ready)";
  }

  /** Adds a part whose readiness {@code /health/ready} reports. */
  public OpsServer readiness(final Readiness.Check check) {
    checks.add(check);
    return this;
  }

  /** Adds a table to its status page. */
  public OpsServer section(final Section section) {
    sections.add(section);
    return this;
  }

  /** The port it listens on (the one picked, where {@code ops.port} is 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Its address for people, e.g. {@code http://127.0.0.1:9402/}. */
  public String url() {
    final String host = server.getAddress().getAddress().isAnyLocalAddress() ? "localhost"
        : server.getAddress().getAddress().getHostAddress();
    return "http://" + host + ":" + port() + "/";
  }

  List<Readiness> readiness() {
    final List<Readiness> out = new ArrayList<>();
    for (final Readiness.Check c : checks) {
      try {
        out.add(c.check());
      } catch (RuntimeException e) {
        out.add(Readiness.notReady("check", e.toString()));
      }
    }
    return out;
  }

  /** Ferry's own meters ({@code ferry.*}), for the status page. */
  List<Meter> ferryMeters() {
    return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("ferry."))
        .sorted(java.util.Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId()
            .getTags().toString())).toList();
  }

  private void respond(final HttpExchange ex, final int status, final String type, final String body)
      throws IOException {
    try (ex) {
      final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("{} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    gc.close();
    registry.close();
    LOG.debug("{} ops port closed", service.toLowerCase(Locale.ROOT));
  }
}
