package dev.ferry.history;

import static dev.ferry.history.Html.esc;
import static dev.ferry.history.Html.num;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code history.html}: the runs of the history and the error log as one self-contained page (no script, no
 * network), with a chart of dead letters per day (errors and warnings, and how many a replay resolved).
 */
public final class HistoryPage {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 160;

  private HistoryPage() {
  }

  /** Writes {@code dir/history.html}. */
  public static Path write(final Path dir, final List<RunHistory.Entry> runs, final List<ErrorLog.Day> days)
      throws IOException {
    Files.createDirectories(dir);
    final Path file = dir.resolve("history.html");
    Files.writeString(file, html(runs, days), StandardCharsets.UTF_8);
    return file;
  }

  static String html(final List<RunHistory.Entry> runs, final List<ErrorLog.Day> days) {
    final StringBuilder h = new StringBuilder(8_192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ferry run history</title>\n")
        .append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
            + "margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
            + "th{background:#f3f3f3}.num{text-align:right}code{font-size:.85em}.legend span{display:inline-block;"
            + "width:.8em;height:.8em;margin:0 .3em 0 1em}</style></head><body>\n<h1>Run history</h1>\n");
    h.append("<h2>Dead letters per day</h2>\n");
    if (days.isEmpty()) {
      h.append("<p>No dead letter has been written.</p>\n");
    } else {
      chart(h, days);
      h.append("<table><tr><th>day (UTC)</th><th>rule</th><th>severity</th><th class=\"num\">dead letters</th>"
          + "<th class=\"num\">replayed</th><th class=\"num\">resolved</th></tr>\n");
      for (final ErrorLog.Day d : days) {
        h.append("<tr><td>").append(d.day()).append("</td><td><code>").append(esc(d.rule())).append("</code></td><td>")
            .append(d.severity()).append("</td>").append(num(d.letters())).append(num(d.replayed()))
            .append(num(d.resolved())).append("</tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<h2>Runs</h2>\n<table><tr><th>#</th><th>when (UTC)</th><th>what</th><th>summary</th><th>figures</th>"
        + "<th>host</th></tr>\n");
    for (final RunHistory.Entry e : runs) {
      h.append("<tr><td class=\"num\">").append(e.id()).append("</td><td>").append(e.at().toString().replace('T', ' '))
          .append("</td><td>").append(e.kind().id()).append("</td><td>").append(esc(e.summary())).append("</td><td><code>")
          .append(esc(String.valueOf(e.counts()))).append("</code></td><td>").append(esc(e.host())).append("</td></tr>\n");
    }
    if (runs.isEmpty()) {
      h.append("<tr><td colspan=\"6\">Nothing recorded yet.</td></tr>\n");
    }
    h.append("</table>\n</body></html>\n");
    return h.toString();
  }

  /** Stacked bars per day: errors, warnings; a green bar beside them for letters resolved by a replay. */
  private static void chart(final StringBuilder h, final List<ErrorLog.Day> days) {
    final Map<LocalDate, long[]> perDay = new TreeMap<>();
    for (final ErrorLog.Day d : days) {
      final long[] n = perDay.computeIfAbsent(d.day(), k -> new long[3]);
      n["error".equals(d.severity()) ? 0 : 1] += d.letters();
      n[2] += d.resolved();
    }
    final long max = Math.max(1, perDay.values().stream().mapToLong(n -> Math.max(n[0] + n[1], n[2])).max().orElse(1));
    final int slot = Math.max(8, Math.min(60, WIDTH / Math.max(1, perDay.size())));
    h.append("<svg role=\"img\" aria-label=\"dead letters per day\" width=\"").append(slot * perDay.size() + 40)
        .append("\" height=\"").append(HEIGHT + 40).append("\">\n");
    int x = 30;
    for (final var e : perDay.entrySet()) {
      final long[] n = e.getValue();
      final double errors = HEIGHT * (double) n[0] / max;
      final double warnings = HEIGHT * (double) n[1] / max;
      final double resolved = HEIGHT * (double) n[2] / max;
      final int bar = Math.max(3, slot / 2 - 2);
      rect(h, x, HEIGHT - errors, bar, errors, "#b00020", n[0] + " error(s) on " + e.getKey());
      rect(h, x, HEIGHT - errors - warnings, bar, warnings, "#d9a400", n[1] + " warning(s) on " + e.getKey());
      rect(h, x + bar + 1, HEIGHT - resolved, Math.max(2, bar / 2), resolved, "#17692b",
          n[2] + " resolved by a replay");
      h.append("<text x=\"").append(x).append("\" y=\"").append(HEIGHT + 14).append("\" font-size=\"10\">")
          .append(e.getKey().toString().substring(5)).append("</text>\n");
      x += slot;
    }
    h.append("<text x=\"0\" y=\"10\" font-size=\"10\">").append(max).append("</text>\n</svg>\n")
        .append("<p class=\"legend\"><span style=\"background:#b00020\"></span>errors<span style=\"background:#d9a400\">"
            + "</span>warnings<span style=\"background:#17692b\"></span>resolved by a later replay</p>\n");
  }

  private static void rect(final StringBuilder h, final int x, final double y, final int w, final double height,
      final String color, final String title) {
    if (height <= 0) {
      return;
    }
    h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s"
        + "</title></rect>%n", x, y, w, Math.max(1, height), color, esc(title)));
  }
}
