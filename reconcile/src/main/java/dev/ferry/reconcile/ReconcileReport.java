package dev.ferry.reconcile;

import static dev.ferry.history.Html.esc;
import static dev.ferry.history.Html.num;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Writes a reconciliation as {@code reconcile.json} (the totals {@code unexplained} and {@code explained} at the
 * top, then per table) and {@code reconcile.html}, one self-contained page (no script, no network) for the
 * migration's sign-off.
 */
public final class ReconcileReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Differences listed per table on the page; the JSON has them all (up to {@link TableResult#MAX_DETAILS}). */
  private static final int PAGE_ROWS = 200;

  private ReconcileReport() {
  }

  /** Writes both files into {@code dir} (created when missing). */
  public static void write(final Reconciliation.Result result, final Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("reconcile.json"), JSON.writeValueAsString(json(result)), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("reconcile.html"), html(result), StandardCharsets.UTF_8);
  }

  static ObjectNode json(final Reconciliation.Result result) {
    final ObjectNode root = JSON.createObjectNode();
    root.put("unexplained", result.unexplained());
    root.put("explained", result.explained());
    root.put("started", result.started().toString());
    root.put("finished", result.finished().toString());
    root.put("seconds", Duration.between(result.started(), result.finished()).toMillis() / 1000.0);
    root.put("deadLettersRead", result.deadLetters());
    final ArrayNode tables = root.putArray("tables");
    for (final TableResult t : result.tables()) {
      final ObjectNode n = tables.addObject();
      n.put("target", t.target);
      n.putPOJO("sources", t.sources);
      if (t.skipped != null) {
        n.put("skipped", t.skipped);
        continue;
      }
      n.put("unexplained", t.unexplained);
      n.put("explained", t.explained);
      final ObjectNode legacy = n.putObject("legacyRows");
      t.legacyRows.forEach(legacy::put);
      n.put("expectedRows", t.expectedRows);
      n.put("targetRows", t.targetRows);
      n.put("filteredOut", t.filteredOut);
      n.put("changingWhileRead", t.changing);
      final ObjectNode counts = n.putObject("differences");
      t.counts.forEach((k, v) -> counts.put(k.name().toLowerCase(Locale.ROOT), v));
      final ObjectNode warnings = n.putObject("warnedByRule");
      t.warnings.forEach(warnings::put);
      final ArrayNode sums = n.putArray("sums");
      for (final TableResult.Sum s : t.sums) {
        sums.addObject().put("column", s.column()).put("expected", s.expected().toPlainString())
            .put("actual", s.actual().toPlainString()).put("difference", s.difference().toPlainString());
      }
      n.put("listed", t.differences.size());
      final ArrayNode rows = n.putArray("rows");
      for (final TableResult.Difference d : t.differences) {
        final ObjectNode r = rows.addObject();
        r.put("kind", d.kind().name().toLowerCase(Locale.ROOT));
        r.put("key", d.key());
        if (d.source() != null) {
          r.put("source", d.source());
        }
        final ArrayNode columns = r.putArray("columns");
        d.columns().forEach(c -> columns.addObject().put("name", c.name()).put("expected", c.expected())
            .put("actual", c.actual()));
        if (d.explainedBy() != null) {
          final DeadLetterIndex.Explanation e = d.explainedBy();
          r.putObject("explainedBy").put("stage", e.stage()).put("rule", e.rule()).put("value", e.value())
              .put("message", e.message()).put("resolution", e.resolution()).put("partition", e.partition())
              .put("offset", e.offset());
        }
      }
    }
    return root;
  }

  static String html(final Reconciliation.Result result) {
    final StringBuilder h = new StringBuilder(16_384);
    final boolean ok = result.unexplained() == 0;
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ferry reconciliation</title>\n")
        .append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
            + "margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
            + "th{background:#f3f3f3}.ok{color:#17692b}.bad{color:#b00020}.num{text-align:right}"
            + ".bar{height:.8em;display:inline-block}.explained{background:#d9a400}.unexplained{background:#b00020}"
            + "code{font-size:.9em}</style></head><body>\n")
        .append("<h1>Reconciliation: <span class=\"").append(ok ? "ok\">nothing unexplained" : "bad\">"
            + result.unexplained() + " unexplained difference(s)").append("</span></h1>\n")
        .append("<p>Legacy data through the mapping against the target, row by row. Started ")
        .append(esc(result.started().toString())).append(", took ")
        .append(String.format(Locale.ROOT, "%.1f", Duration.between(result.started(), result.finished()).toMillis()
            / 1000.0)).append(" s. ").append(result.explained()).append(" difference(s) explained by dead letters (")
        .append(result.deadLetters()).append(" read).</p>\n");
    h.append("<table><tr><th>target table</th><th>legacy tables</th><th class=\"num\">legacy rows</th>"
        + "<th class=\"num\">expected</th><th class=\"num\">target</th><th class=\"num\">missing</th>"
        + "<th class=\"num\">extra</th><th class=\"num\">different</th><th class=\"num\">refused</th>"
        + "<th class=\"num\">explained</th><th class=\"num\">unexplained</th><th>differences</th></tr>\n");
    final long widest = Math.max(1, result.tables().stream().mapToLong(TableResult::differing).max().orElse(1));
    for (final TableResult t : result.tables()) {
      h.append("<tr><td><a href=\"#").append(esc(t.target)).append("\">").append(esc(t.target)).append("</a></td><td>")
          .append(esc(String.join(", ", t.sources))).append("</td>");
      if (t.skipped != null) {
        h.append("<td colspan=\"10\">not compared: ").append(esc(t.skipped)).append("</td></tr>\n");
        continue;
      }
      h.append(num(t.legacyRows.values().stream().mapToLong(Long::longValue).sum())).append(num(t.expectedRows))
          .append(num(t.targetRows));
      for (final TableResult.Kind k : TableResult.Kind.values()) {
        h.append(num(t.counts.get(k)));
      }
      h.append(num(t.explained)).append("<td class=\"num ").append(t.unexplained == 0 ? "ok" : "bad").append("\">")
          .append(t.unexplained).append("</td><td>")
          .append(bar("explained", t.explained * 200 / widest)).append(bar("unexplained", t.unexplained * 200 / widest))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    for (final TableResult t : result.tables()) {
      table(h, t);
    }
    h.append("<p>The <a href=\"history.html\">run history</a> beside this report shows every run and the dead "
        + "letters per day; machine-readable: <code>reconcile.json</code>.</p>\n</body></html>\n");
    return h.toString();
  }

  private static void table(final StringBuilder h, final TableResult t) {
    h.append("<h2 id=\"").append(esc(t.target)).append("\">").append(esc(t.target)).append("</h2>\n");
    if (t.skipped != null) {
      h.append("<p>Not compared: ").append(esc(t.skipped)).append("</p>\n");
      return;
    }
    if (!t.sums.isEmpty()) {
      h.append("<table><tr><th>column</th><th class=\"num\">sum of legacy (mapped)</th><th class=\"num\">sum in "
          + "target</th><th class=\"num\">difference</th></tr>\n");
      for (final TableResult.Sum s : t.sums) {
        h.append("<tr><td>").append(esc(s.column())).append("</td><td class=\"num\">").append(s.expected().toPlainString())
            .append("</td><td class=\"num\">").append(s.actual().toPlainString()).append("</td><td class=\"num ")
            .append(s.difference().signum() == 0 ? "ok" : "bad").append("\">")
            .append(s.difference().toPlainString()).append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    if (!t.warnings.isEmpty()) {
      h.append("<p>Applied with a warning: ");
      t.warnings.forEach((rule, n) -> h.append("<code>").append(esc(rule)).append("</code> ").append(n).append(" "));
      h.append("</p>\n");
    }
    if (t.differences.isEmpty()) {
      h.append("<p class=\"ok\">Every row matches.</p>\n");
      return;
    }
    h.append("<table><tr><th>difference</th><th>target key</th><th>legacy row</th><th>columns (legacy mapped / "
        + "target)</th><th>explained by</th></tr>\n");
    t.differences.stream().limit(PAGE_ROWS).forEach(d -> {
      h.append("<tr><td>").append(d.kind().name().toLowerCase(Locale.ROOT)).append("</td><td>").append(esc(d.key()))
          .append("</td><td>").append(esc(d.source() == null ? "" : d.source())).append("</td><td>");
      d.columns().forEach(c -> h.append("<code>").append(esc(c.name())).append("</code>: ").append(esc(c.expected()))
          .append(" / ").append(esc(c.actual())).append("<br>"));
      h.append("</td><td>");
      if (d.explainedBy() != null) {
        final DeadLetterIndex.Explanation e = d.explainedBy();
        h.append("dead letter (").append(esc(e.stage())).append(") <code>").append(esc(e.rule())).append("</code>")
            .append(e.value() == null ? "" : " value " + esc(e.value())).append(": ").append(esc(e.message()));
      } else {
        h.append("<span class=\"bad\">unexplained</span>");
      }
      h.append("</td></tr>\n");
    });
    h.append("</table>\n");
    if (t.differing() > PAGE_ROWS) {
      h.append("<p>").append(t.differing() - PAGE_ROWS).append(" more in reconcile.json (which lists up to ")
          .append(TableResult.MAX_DETAILS).append(" per table).</p>\n");
    }
  }


  private static String bar(final String kind, final long width) {
    return width <= 0 ? "" : "<span class=\"bar " + kind + "\" style=\"width:" + Math.max(2, width) + "px\"></span>";
  }

}
