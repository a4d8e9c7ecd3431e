package dev.ferry.config;

import java.util.List;
import java.util.stream.Collectors;

/** Renders settings as the Markdown reference in {@code docs/configuration.md}; the declarations are the source. */
public final class ConfigDocs {
  private ConfigDocs() {
  }

  public static String markdown(final List<Setting<?>> settings) {
    final StringBuilder sb = new StringBuilder();
    sb.append("# Configuration reference\n\n")
        .append("Generated from the settings' declarations by `scripts/ferry config-docs`; do not edit by hand.\n")
        .append("Every key can also be set as an environment variable, which wins over the file.\n");
    final List<String> groups = settings.stream().map(Setting::group).distinct().collect(Collectors.toList());
    for (final String group : groups) {
      sb.append("\n## ").append(group).append("\n\n")
          .append("| key | environment variable | default | allowed | description |\n")
          .append("| --- | --- | --- | --- | --- |\n");
      for (final Setting<?> s : settings) {
        if (!s.group().equals(group)) {
          continue;
        }
        final String def = s.required() ? "(required)" : s.defaultText().isEmpty() ? "(empty)" : "`" + s.defaultText() + "`";
        sb.append("| `").append(s.key()).append("` | `").append(s.environmentVariable()).append("` | ")
            .append(def).append(" | ").append(s.allowed()).append(" | ")
            .append(s.description().replace("|", "\\|")).append(" |\n");
      }
    }
    return sb.toString();
  }
}
