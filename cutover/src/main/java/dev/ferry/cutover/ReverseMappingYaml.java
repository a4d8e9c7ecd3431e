package dev.ferry.cutover;

import dev.ferry.cutover.ReverseMapping.Draft;
import dev.ferry.cutover.ReverseMapping.Field;
import dev.ferry.cutover.ReverseMapping.InverseLookup;
import dev.ferry.cutover.ReverseMapping.Restored;
import dev.ferry.cutover.ReverseMapping.Table;
import java.nio.file.Path;
import java.util.Map;

/** A {@link Draft} as a mapping file: the forward file's format, with what the round trip does on every field. */
final class ReverseMappingYaml {
  private ReverseMappingYaml() {
  }

  static String render(final Draft d) {
    final StringBuilder y = new StringBuilder(4_096);
    y.append("# Reverse mapping: the new system's tables back into the legacy ones, for the sync after cutover.\n")
        .append("# Drafted by `ferry mapping reverse` from ").append(Path.of(d.forwardFile()).getFileName())
        .append("; the format is the forward mapping's (docs/mapping.md).\n")
        .append("# Each legacy column says what the round trip legacy -> new -> legacy does to it:\n")
        .append("#   exact         it comes back as it was\n")
        .append("#   lossy         it comes back changed, in the way the comment says\n")
        .append("#   not restored  the reverse does not write it (the comment says why)\n")
        .append("# REVIEW marks what needs a decision before this mapping is used.\n")
        .append("version: ").append(quote(d.version())).append('\n');
    if (!d.lookups().isEmpty()) {
      y.append("lookups:\n");
      for (final InverseLookup l : d.lookups()) {
        y.append("  ").append(name(l.name())).append(":   # ").append(l.of()).append(" inverted\n");
        l.ambiguous().forEach((code, legacy) -> y.append("    # REVIEW: ").append(code).append(" stands for ")
            .append(legacy.size()).append(" legacy codes ").append(legacy).append("; ").append(legacy.get(0))
            .append(" drafted\n"));
        y.append("    values:").append(l.values().isEmpty() ? " {}\n" : "\n");
        for (final Map.Entry<String, String> e : l.values().entrySet()) {
          y.append("      ").append(quote(e.getKey())).append(": ").append(quote(e.getValue())).append('\n');
        }
      }
    }
    y.append("tables:\n");
    for (final Table t : d.tables()) {
      y.append("  - source: ").append(t.source()).append('\n')
          .append("    target: ").append(t.target()).append('\n');
      t.review().forEach(r -> y.append("    # REVIEW: ").append(r).append('\n'));
      t.notes().forEach(n -> y.append("    # ").append(n).append('\n'));
      final boolean any = t.fields().stream().anyMatch(f -> f.yaml() != null);
      y.append("    fields:").append(any ? "\n" : " {}   # REVIEW: no legacy column can be restored\n");
      for (final Field f : t.fields()) {
        final String why = String.join("; ", f.notes());
        if (f.yaml() == null) {
          y.append("      # ").append(f.column()).append(": not restored: ").append(why).append('\n');
        } else if (f.restored() == Restored.EXACT) {
          y.append("      ").append(name(f.column())).append(": ").append(f.yaml()).append("   # exact")
              .append(why.isEmpty() ? "" : "; " + why).append('\n');
        } else {
          y.append("      # lossy: ").append(why).append('\n')
              .append("      ").append(name(f.column())).append(": ").append(f.yaml()).append('\n');
        }
      }
    }
    return y.toString();
  }

  /** A column or lookup name: bare where YAML reads it as itself, else quoted. */
  static String name(final String s) {
    return s.matches("[A-Za-z_][A-Za-z0-9_-]*") && !s.matches("(?i)true|false|yes|no|on|off|null|y|n")
        ? s : quote(s);
  }

  /** A double-quoted YAML string. */
  static String quote(final String s) {
    final StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    for (final char c : s.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\t' -> q.append("\\t");
        default -> q.append(c);
      }
    }
    return q.append('"').toString();
  }
}
