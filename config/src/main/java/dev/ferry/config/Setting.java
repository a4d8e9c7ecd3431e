package dev.ferry.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One configuration key, declared once: its dotted key, type, default, description and validator.
 *
 * <p>The default lives only here. Documentation and error messages are generated from this
 * declaration, so a default is never repeated in prose where it could drift.
 *
 * @param key dotted key as written in YAML, e.g. {@code sink.batch-size}; never null
 * @param group the section it belongs to, used for documentation
 * @param description what it does and why one would change it
 * @param defaultValue the default, or null when the key is required
 * @param parser turns the raw text into a value; throws {@link IllegalArgumentException} with a
 *     message that says what is allowed
 * @param allowed a short phrase naming the allowed values, shown in errors
 * @param <T> the value type
 */
public record Setting<T>(
    String key,
    String group,
    String description,
    T defaultValue,
    Function<String, T> parser,
    String allowed) {

  public Setting {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(allowed, "allowed");
  }

  /** True when the key has no default and must be set. */
  public boolean required() {
    return defaultValue == null;
  }

  /** The environment variable that overrides this key: {@code sink.batch-size -> FERRY_SINK_BATCH_SIZE}. */
  public String environmentVariable() {
    return "FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public static Setting<String> string(final String key, final String group, final String defaultValue,
      final String description) {
    return new Setting<>(key, group, description, defaultValue, Setting::nonBlank, "a non-empty text");
  }

  public static Setting<Integer> integer(final String key, final String group, final Integer defaultValue,
      final int min, final int max, final String description) {
    return new Setting<>(key, group, description, defaultValue, raw -> {
      final int value;
      try {
        value = Integer.parseInt(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a whole number");
      }
      if (value < min || value > max) {
        throw new IllegalArgumentException("out of range");
      }
      return value;
    }, "a whole number from " + min + " to " + max);
  }

  public static Setting<Boolean> bool(final String key, final String group, final Boolean defaultValue,
      final String description) {
    return new Setting<>(key, group, description, defaultValue, raw -> {
      final String text = raw.trim().toLowerCase(Locale.ROOT);
      if (!text.equals("true") && !text.equals("false")) {
        throw new IllegalArgumentException("not a boolean");
      }
      return Boolean.parseBoolean(text);
    }, "true or false");
  }

  /** A duration written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h} or {@code 7d}. */
  public static Setting<Duration> duration(final String key, final String group, final Duration defaultValue,
      final Duration min, final String description) {
    return new Setting<>(key, group, description, defaultValue, raw -> {
      final Duration value = Durations.parse(raw);
      if (value.compareTo(min) < 0) {
        throw new IllegalArgumentException("shorter than " + Durations.format(min));
      }
      return value;
    }, "a duration such as 500ms, 30s, 5m, 2h or 7d, at least " + Durations.format(min));
  }

  /** A comma-separated list of non-empty items. */
  public static Setting<List<String>> list(final String key, final String group, final List<String> defaultValue,
      final String description) {
    return new Setting<>(key, group, description, defaultValue, raw -> {
      final List<String> items = Arrays.stream(raw.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .collect(Collectors.toUnmodifiableList());
      if (items.isEmpty()) {
        throw new IllegalArgumentException("empty list");
      }
      return items;
    }, "a comma-separated list of names");
  }

  /** An option whose values are an enum's constants, written in lower case with dashes. */
  public static <E extends Enum<E>> Setting<E> option(final String key, final String group, final E defaultValue,
      final Class<E> type, final String description) {
    return new Setting<>(key, group, description, defaultValue, raw -> {
      try {
        return Options.parse(type, raw);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not an allowed value");
      }
    }, "one of " + Options.allowed(type));
  }

  private static String nonBlank(final String raw) {
    if (raw.isBlank()) {
      throw new IllegalArgumentException("empty");
    }
    return raw.trim();
  }

  /** The default as the user would write it, or null. */
  public String defaultText() {
    if (defaultValue == null) {
      return null;
    }
    if (defaultValue instanceof Duration d) {
      return Durations.format(d);
    }
    if (defaultValue instanceof List<?> l) {
      return l.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    if (defaultValue instanceof Enum<?> e) {
      return Options.text(e);
    }
    return String.valueOf(defaultValue);
  }
}
