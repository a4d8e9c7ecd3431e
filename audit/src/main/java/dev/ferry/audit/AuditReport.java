package dev.ferry.audit;

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
 * Writes an audit as {@code audit.json}, {@code audit.html} (one self-contained page: completeness per column and
 * refusals per rule as bars, no script, no network) and {@code migration-spec.md}.
 */
public final class AuditReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AuditReport() {
  }

  public static void write(final Audit.Result result, final Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("audit.json"), JSON.writeValueAsString(json(result)), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("audit.html"), html(result), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("migration-spec.md"), result.spec, StandardCharsets.UTF_8);
  }

  static ObjectNode json(final Audit.Result r) {
    final ObjectNode root = JSON.createObjectNode();
    root.put("started", r.started.toString());
    root.put("seconds", Duration.between(r.started, r.finished).toMillis() / 1000.0);
    root.put("rows", r.rows());
    root.put("refused", r.refused());
    final ArrayNode tables = root.putArray("tables");
    for (final Audit.TableAudit t : r.tables) {
      final ObjectNode n = tables.addObject();
      n.put("table", t.profile().table);
      n.put("rows", t.profile().rows);
      n.put("seconds", t.seconds());
      final ArrayNode columns = n.putArray("columns");
      for (final TableProfile.Column c : t.profile().columns) {
        final ObjectNode col = columns.addObject();
        col.put("name", c.name()).put("type", c.type()).put("nulls", c.nulls()).put("distinct", c.distinct())
            .put("min", c.min()).put("max", c.max())
            .put("completeness", Math.round(c.completeness(t.profile().rows) * 10_000) / 10_000.0);
        if (c.blanks() >= 0) {
          col.put("blanks", c.blanks()).put("minLength", c.minLength()).put("maxLength", c.maxLength())
              .put("avgLength", Math.round(c.avgLength() * 100) / 100.0);
          final ObjectNode parses = col.putObject("looksLike");
          parses.put("integer", c.integers()).put("decimal", c.decimals());
          c.dates().forEach((f, k) -> parses.put("date " + f, k));
        }
        final ArrayNode top = col.putArray("top");
        c.top().forEach(f -> top.addObject().put("value", f.value()).put("count", f.count()));
      }
      if (t.dryRun() != null) {
        final DryRun d = t.dryRun();
        final ObjectNode dry = n.putObject("dryRun");
        dry.put("rows", d.rows).put("refused", d.refused).put("warned", d.warned).put("filteredOut", d.filteredOut);
        final ObjectNode rules = dry.putObject("byRule");
        d.byRule.forEach((rule, c) -> {
          final ObjectNode o = rules.putObject(rule);
          o.put("severity", c.severity).put("rows", c.rows);
          final ArrayNode ex = o.putArray("examples");
          c.examples.forEach(e -> {
            final ObjectNode x = ex.addObject();
            e.forEach(x::put);
          });
        });
      }
    }
    final ArrayNode findings = root.putArray("integrity");
    for (final Integrity.Finding f : r.findings) {
      final ObjectNode o = findings.addObject().put("kind", f.kind()).put("what", f.what()).put("failing", f.failing());
      final ArrayNode ex = o.putArray("examples");
      f.examples().forEach(ex::add);
      if (f.skipped() != null) {
        o.put("notChecked", f.skipped());
      }
    }
    return root;
  }

  static String html(final Audit.Result r) {
    final StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ferry source audit</title>\n")
        .append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
            + "margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
            + "th{background:#f3f3f3}.num{text-align:right}.bar{display:inline-block;height:.8em;background:#2f6fb0}"
            + ".bad{color:#b00020}.refused{background:#b00020}.warned{background:#d9a400}code{font-size:.85em}"
            + "</style></head><body>\n<h1>Source audit</h1>\n")
        .append(String.format(Locale.ROOT, "<p>%,d legacy rows in %d tables, audited in %.1f s. The mapping would "
            + "refuse <strong>%,d</strong> of them. Nothing was written. The mapping as a specification: "
            + "<code>migration-spec.md</code>; every run: <a href=\"history.html\">run history</a>.</p>%n", r.rows(),
            r.tables.size(), Duration.between(r.started, r.finished).toMillis() / 1000.0, r.refused()));
    h.append("<table><tr><th>legacy table</th><th class=\"num\">rows</th><th class=\"num\">would be refused</th>"
        + "<th class=\"num\">applied with a warning</th><th class=\"num\">filtered out</th></tr>\n");
    for (final Audit.TableAudit t : r.tables) {
      h.append("<tr><td><a href=\"#").append(esc(t.profile().table)).append("\">").append(esc(t.profile().table))
          .append("</a></td>").append(num(t.profile().rows));
      if (t.dryRun() == null) {
        h.append("<td colspan=\"3\">not mapped</td></tr>\n");
      } else {
        h.append(num(t.dryRun().refused)).append(num(t.dryRun().warned)).append(num(t.dryRun().filteredOut))
            .append("</tr>\n");
      }
    }
    h.append("</table>\n<h2>Refusals and warnings per rule</h2>\n");
    final long widest = Math.max(1, r.tables.stream().filter(t -> t.dryRun() != null)
        .flatMap(t -> t.dryRun().byRule.values().stream()).mapToLong(c -> c.rows).max().orElse(1));
    h.append("<table><tr><th>table</th><th>rule</th><th>severity</th><th class=\"num\">rows</th><th></th>"
        + "<th>examples (key: value, fix)</th></tr>\n");
    for (final Audit.TableAudit t : r.tables) {
      if (t.dryRun() == null) {
        continue;
      }
      t.dryRun().byRule.forEach((rule, c) -> {
        h.append("<tr><td>").append(esc(t.profile().table)).append("</td><td><code>").append(esc(rule))
            .append("</code></td><td>").append(c.severity).append("</td>").append(num(c.rows)).append("<td><span class=\"bar ")
            .append("error".equals(c.severity) ? "refused" : "warned").append("\" style=\"width:")
            .append(Math.max(2, c.rows * 200 / widest)).append("px\"></span></td><td>");
        c.examples.forEach(e -> h.append(esc(e.get("key"))).append(": ").append(esc(e.get("value"))).append(", ")
            .append(esc(e.get("resolution"))).append("<br>"));
        h.append("</td></tr>\n");
      });
    }
    h.append("</table>\n<h2>Relations, foreign keys, natural keys</h2>\n<table><tr><th>check</th><th>what</th>"
        + "<th class=\"num\">rows failing</th><th>examples</th></tr>\n");
    for (final Integrity.Finding f : r.findings) {
      h.append("<tr><td>").append(esc(f.kind())).append("</td><td>").append(esc(f.what())).append("</td>");
      if (f.skipped() != null) {
        h.append("<td colspan=\"2\">not checked: ").append(esc(f.skipped())).append("</td></tr>\n");
      } else {
        h.append("<td class=\"num").append(f.failing() > 0 ? " bad" : "").append("\">").append(f.failing())
            .append("</td><td>").append(esc(String.join("; ", f.examples()))).append("</td></tr>\n");
      }
    }
    h.append("</table>\n");
    for (final Audit.TableAudit t : r.tables) {
      table(h, t);
    }
    return h.append("</body></html>\n").toString();
  }

  private static void table(final StringBuilder h, final Audit.TableAudit t) {
    final TableProfile p = t.profile();
    h.append("<h2 id=\"").append(esc(p.table)).append("\">").append(esc(p.table)).append("</h2>\n<p>")
        .append(String.format(Locale.ROOT, "%,d", p.rows)).append(" rows. Completeness: the share of rows with a value "
            + "(not NULL, not blank).</p>\n<table><tr><th>column</th><th>type</th><th>completeness</th>"
            + "<th class=\"num\">nulls</th><th class=\"num\">blanks</th><th class=\"num\">distinct</th><th>min</th>"
            + "<th>max</th><th>length</th><th>looks like</th><th>most frequent</th></tr>\n");
    for (final TableProfile.Column c : p.columns) {
      final double complete = c.completeness(p.rows);
      h.append("<tr><td>").append(esc(c.name())).append("</td><td>").append(esc(c.type())).append("</td><td>")
          .append("<span class=\"bar\" style=\"width:").append(Math.round(complete * 120)).append("px\"></span> ")
          .append(String.format(Locale.ROOT, "%.1f%%", complete * 100)).append("</td>").append(num(c.nulls()))
          .append(c.blanks() >= 0 ? num(c.blanks()) : "<td></td>").append(num(c.distinct())).append("<td>")
          .append(esc(c.min())).append("</td><td>").append(esc(c.max())).append("</td><td>")
          .append(c.minLength() >= 0 ? c.minLength() + "-" + c.maxLength() : "").append("</td><td>");
      if (c.integers() >= 0) {
        h.append("integer ").append(c.integers()).append(", decimal ").append(c.decimals());
        c.dates().forEach((f, n) -> h.append(", date ").append(esc(f)).append(' ').append(n));
      }
      h.append("</td><td>");
      if (!c.top().isEmpty() && c.top().get(0).count() == 1) {
        h.append("every value once");
      } else {
        c.top().forEach(f -> h.append(esc(f.value())).append(" (").append(f.count()).append(")<br>"));
      }
      h.append("</td></tr>\n");
    }
    h.append("</table>\n");
  }
}
