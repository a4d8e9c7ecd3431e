package dev.ferry.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A validated configuration: every declared {@link Setting} resolved to a typed value.
 *
 * <p>Built only through {@link #resolve}, which checks the whole source against all settings at once
 * (missing required keys, unparsable or out-of-range values, unknown keys) and throws a single
 * {@link ConfigException} listing every problem, before anything starts.
 */
public final class Config {
  private final Map<String, Object> values;
  /** Keys under an ignored prefix, with their text, for the component that owns the prefix. */
  private final Map<String, String> passThrough;

  private Config(final Map<String, Object> values, final Map<String, String> passThrough) {
    this.values = values;
    this.passThrough = passThrough;
  }

  /**
   * Resolves {@code source} against {@code settings}.
   *
   * @param ignoredPrefixes key prefixes owned by something else (e.g. pass-through client properties);
   *     keys under them are not reported as unknown
   * @throws ConfigException listing every problem found
   */
  public static Config resolve(final ConfigSource source, final Collection<Setting<?>> settings,
      final Collection<String> ignoredPrefixes) {
    return resolve(source, settings, Set.of(), ignoredPrefixes);
  }

  /**
   * As {@link #resolve(ConfigSource, Collection, Collection)}, where the keys in {@code notRequired}
   * (settings of a role this process does not run) are known but may be absent.
   */
  public static Config resolve(final ConfigSource source, final Collection<Setting<?>> settings,
      final Set<String> notRequired, final Collection<String> ignoredPrefixes) {
    final List<ConfigProblem> problems = new ArrayList<>();
    final Map<String, Object> resolved = new LinkedHashMap<>();
    final Set<String> known = new HashSet<>();
    for (final Setting<?> s : settings) {
      known.add(s.key());
      final RawValue raw = source.get(s.key());
      if (raw == null) {
        if (s.required() && !notRequired.contains(s.key())) {
          problems.add(new ConfigProblem(s.key(), null, null,
              "required and not set (set it in the file or as " + s.environmentVariable() + "); expected "
                  + s.allowed()));
        } else {
          resolved.put(s.key(), s.defaultValue());
        }
        continue;
      }
      try {
        resolved.put(s.key(), s.parser().apply(raw.text()));
      } catch (IllegalArgumentException e) {
        problems.add(new ConfigProblem(s.key(), Secrets.printable(s.key(), raw.text()), raw.origin(),
            Secrets.isSecretKey(s.key()) ? "not an allowed value; expected " + s.allowed()
                : e.getMessage() + "; expected " + s.allowed()));
      }
    }
    final Map<String, String> passThrough = new LinkedHashMap<>();
    for (final Map.Entry<String, RawValue> e : source.values().entrySet()) {
      final String key = e.getKey();
      if (known.contains(key)) {
        continue;
      }
      if (ignoredPrefixes.stream().anyMatch(key::startsWith)) {
        passThrough.put(key, e.getValue().text());
        continue;
      }
      final String suggestion = suggestion(key, known);
      // a mistyped password key is still a password: neither it nor a URL's password is echoed
      final String value = Secrets.isSecretKey(suggestion.replace("'?", "")) ? Secrets.HIDDEN
          : Secrets.printable(key, e.getValue().text());
      problems.add(new ConfigProblem(key, value, e.getValue().origin(), "unknown key" + suggestion));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Config(resolved, passThrough);
  }

  private static String suggestion(final String key, final Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (final String k : known) {
      final int d = distance(key.toLowerCase(Locale.ROOT), k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 4) ? "; did you mean '" + best + "'?" : "";
  }

  private static int distance(final String a, final String b) {
    final int[] prev = new int[b.length() + 1];
    final int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      System.arraycopy(cur, 0, prev, 0, cur.length);
    }
    return prev[b.length()];
  }

  /** The typed value of {@code setting}; never null for a setting that was resolved. */
  @SuppressWarnings("unchecked")
  public <T> T get(final Setting<T> setting) {
    if (!values.containsKey(setting.key())) {
      throw new IllegalArgumentException("setting not part of this configuration: " + setting.key());
    }
    return (T) values.get(setting.key());
  }

  /**
   * The keys under {@code prefix} (one of the ignored prefixes this configuration was resolved with), without it,
   * with their text: client properties passed through as they are.
   */
  public Map<String, String> passThrough(final String prefix) {
    final Map<String, String> out = new LinkedHashMap<>();
    passThrough.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  /** All resolved values by key, for logging at start-up (secrets masked by the caller). */
  public Map<String, Object> asMap() {
    return new HashMap<>(values);
  }
}
