package dev.ferry.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A service's status page at {@code /}: whether it is ready (each part, with why), the tables the service adds
 * ({@link Section}: the live direction, the last runs, dead letters per rule), and every stage's figures with the
 * rate of each counter since the last look; rendered on the server, refreshing itself every 5 s; no script, nothing
 * loaded from elsewhere.
 */
final class StatusPage {
  private StatusPage() {
  }

  static String render(final String service, final List<Readiness> readiness, final List<Meter> meters,
      final Rates rates, final List<Section> sections) {
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
    h.append("</table>");
    for (final Section s : sections) {
      h.append("<h2>").append(escape(s.title())).append("</h2><table><tr>");
      s.columns().forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
      h.append("</tr>");
      for (final List<String> row : s.rows()) {
        h.append("<tr>");
        row.forEach(c -> h.append("<td>").append(escape(c)).append("</td>"));
        h.append("</tr>");
      }
      h.append("</table>");
    }
    h.append("<h2>Stages</h2><table><tr><th>metric</th><th>tags</th><th>value</th><th>per second</th></tr>");
    for (final Meter m : meters) {
      final String tags = m.getId().getTags().stream().filter(t -> !"service".equals(t.getKey()))
          .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(" "));
      for (final Measurement v : m.measure()) {
        final boolean counter = m.getId().getType() == Meter.Type.COUNTER;
        final double rate = counter ? rates.rate(m.getId(), v.getValue()) : Double.NaN;
        h.append("<tr><td>").append(escape(m.getId().getName())).append("</td><td>").append(escape(tags))
            .append("</td><td class=\"n\">").append(number(v.getValue())).append("</td><td class=\"n\">")
            .append(Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%,.1f", rate)).append("</td></tr>");
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
