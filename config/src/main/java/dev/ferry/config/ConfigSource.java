package dev.ferry.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw configuration text by dotted key, read from a YAML file and overridden by the environment.
 *
 * <p>Nested YAML maps become dotted keys ({@code sink: {batch-size: 500}} is {@code sink.batch-size});
 * a YAML list of scalars becomes a comma-separated value. Every value remembers its file and line so
 * that errors can point at it. Environment variables named {@code FERRY_<KEY>} (see
 * {@link Setting#environmentVariable()}) win over the file, which is how containers override a
 * shared file.
 */
public final class ConfigSource {
  private final Map<String, RawValue> values;

  private ConfigSource(final Map<String, RawValue> values) {
    this.values = values;
  }

  /** An empty source: every key takes its default. */
  public static ConfigSource empty() {
    return new ConfigSource(new LinkedHashMap<>());
  }

  /** Reads a YAML file; a syntax error is reported as a {@link ConfigException} naming file and line. */
  public static ConfigSource fromYaml(final Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return fromYaml(reader, file.getFileName().toString());
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigProblem("(file)", file.toString(), null,
          "cannot read the configuration file: " + e.getMessage())));
    }
  }

  /** Reads YAML text; {@code name} is used in error origins. */
  public static ConfigSource fromYaml(final String yaml, final String name) {
    try {
      return fromYaml(new StringReader(yaml), name);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ConfigSource fromYaml(final Reader reader, final String name) throws IOException {
    final Map<String, RawValue> out = new LinkedHashMap<>();
    try (JsonParser parser = new YAMLFactory().createParser(reader)) {
      final JsonToken first = parser.nextToken();
      if (first == null) {
        return new ConfigSource(out);
      }
      if (first != JsonToken.START_OBJECT) {
        throw problem(name, parser, "the file must be a map of keys to values");
      }
      readObject(parser, "", name, out);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      final JsonLocation loc = e.getLocation();
      throw new ConfigException(List.of(new ConfigProblem("(syntax)", null,
          name + (loc == null ? "" : ":" + loc.getLineNr()), e.getOriginalMessage())));
    }
    return new ConfigSource(out);
  }

  private static void readObject(final JsonParser parser, final String prefix, final String name,
      final Map<String, RawValue> out) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      final String key = prefix + parser.currentName();
      final JsonToken token = parser.nextToken();
      final String origin = name + ":" + parser.currentTokenLocation().getLineNr();
      if (token == JsonToken.START_OBJECT) {
        readObject(parser, key + ".", name, out);
      } else if (token == JsonToken.START_ARRAY) {
        final List<String> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (!parser.currentToken().isScalarValue()) {
            throw problem(name, parser, "a list under '" + key + "' may hold only plain values");
          }
          items.add(parser.getText());
        }
        out.put(key, new RawValue(String.join(",", items), origin));
      } else if (token == JsonToken.VALUE_NULL) {
        out.put(key, new RawValue("", origin));
      } else {
        out.put(key, new RawValue(parser.getText(), origin));
      }
    }
  }

  private static ConfigException problem(final String name, final JsonParser parser, final String message) {
    return new ConfigException(List.of(new ConfigProblem("(structure)", null,
        name + ":" + parser.currentTokenLocation().getLineNr(), message)));
  }

  /** A copy in which each of {@code settings}' environment variables present in {@code env} wins. */
  public ConfigSource withEnvironment(final Map<String, String> env, final Iterable<Setting<?>> settings) {
    final Map<String, RawValue> merged = new LinkedHashMap<>(values);
    for (final Setting<?> s : settings) {
      final String v = env.get(s.environmentVariable());
      if (v != null) {
        merged.put(s.key(), new RawValue(v, "env " + s.environmentVariable()));
      }
    }
    return new ConfigSource(merged);
  }

  /** A copy with {@code key} set to {@code text}, e.g. from a command-line flag. */
  public ConfigSource with(final String key, final String text, final String origin) {
    final Map<String, RawValue> merged = new LinkedHashMap<>(values);
    merged.put(key, new RawValue(text, origin));
    return new ConfigSource(merged);
  }

  /** Every key present, with its raw value. */
  public Map<String, RawValue> values() {
    return Map.copyOf(values);
  }

  RawValue get(final String key) {
    return values.get(key);
  }
}
