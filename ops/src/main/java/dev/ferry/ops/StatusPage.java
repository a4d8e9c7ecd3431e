package dev.ferry.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A service's status page at {@code /}: whether it is ready (each part, with why) and Ferry's own figures, rendered
 * on the server, refreshing itself every 5 s; no script, no style sheet from elsewhere.
 */
final class StatusPage {
  private StatusPage() {
  }

  static String render(final String service, final List<Readiness> readiness, final List<Meter> meters) {
    final boolean ready = readiness.stream().allMatch(Readiness::ready);
    final StringBuilder h = new StringBuilder(4_096);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
        + "content=\"5\"><title>Ferry ").append(escape(service)).append("</title><style>body{font:14px system-ui,"
        + "sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:.25em .8em;border-bottom:"
        + "1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#0a0}"
        + ".no{color:#c00}</style></head><body><h1>Ferry ").append(escape(service)).append(": <span class=\"")
        .append(ready ? "ok\">ready" : "no\">not ready").append("</span></h1><table><tr><th>part</th><th>state</th>"
            + "<th>why</th></tr>");
    for (final Readiness r : readiness) {
      h.append("<tr><td>").append(escape(r.part())).append("</td><td class=\"").append(r.ready() ? "ok\">ready"
          : "no\">not ready").append("</td><td>").append(escape(r.reason())).append("</td></tr>");
    }
    h.append("</table><h2>Figures</h2><table><tr><th>metric</th><th>tags</th><th>value</th></tr>");
    for (final Meter m : meters) {
      final String tags = m.getId().getTags().stream().filter(t -> !"service".equals(t.getKey()))
          .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(" "));
      for (final Measurement v : m.measure()) {
        h.append("<tr><td>").append(escape(m.getId().getName())).append("</td><td>").append(escape(tags))
            .append("</td><td class=\"n\">").append(number(v.getValue())).append("</td></tr>");
      }
    }
    return h.append("</table><p><a href=\"/metrics\">/metrics</a> · <a href=\"/health/ready\">/health/ready</a> · "
        + "refreshes every 5 s</p></body></html>").toString();
  }

  private static String number(final double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v)
        : String.format(Locale.ROOT, "%,.3f", v);
  }

  static String escape(final String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
