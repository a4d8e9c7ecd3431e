package dev.ferry.processor.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Options;
import java.io.IOException;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a mapping file (YAML) into a {@link Mapping}, checking it as a whole: every problem is
 * reported at once, by its path in the file, as a {@link ConfigException}.
 *
 * <pre>
 * version: "1"
 * tables:
 *   - source: public.order_details        # schema.table in the legacy database
 *     target: sales_order_line
 *     columns:
 *       order_id: order_id                # rename only (here: same name)
 *       unit_price: {target: unit_price, type: decimal, scale: 2, rounding: half-even}
 *       quantity: {target: quantity, type: integer}
 *       ship_name: {target: ship_name, type: text, trim: true, empty-as-null: true}
 * </pre>
 */
public final class MappingFile {
  /** Column conversion types. */
  enum Type { AS_IS, DECIMAL, INTEGER, TEXT }

  /** Rounding rules a decimal conversion may name. */
  enum Rounding {
    HALF_EVEN(RoundingMode.HALF_EVEN), HALF_UP(RoundingMode.HALF_UP), DOWN(RoundingMode.DOWN),
    UP(RoundingMode.UP), UNNECESSARY(RoundingMode.UNNECESSARY);

    final RoundingMode mode;

    Rounding(final RoundingMode mode) {
      this.mode = mode;
    }
  }

  private static final Set<String> TABLE_KEYS = Set.of("source", "target", "columns");
  private static final Set<String> COLUMN_KEYS = Set.of("target", "type", "scale", "rounding", "trim",
      "empty-as-null");

  private final String origin;
  private final List<ConfigProblem> problems = new ArrayList<>();

  private MappingFile(final String origin) {
    this.origin = origin;
  }

  /** Loads and checks {@code file}. @throws ConfigException listing every problem */
  public static Mapping load(final Path file) {
    final JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.newBufferedReader(file));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigProblem("(file)", file.toString(), file.getFileName().toString(),
          "cannot read the mapping file: " + e.getMessage())));
    }
    return new MappingFile(file.getFileName().toString()).parse(root);
  }

  /** Parses mapping YAML text; {@code name} is used in error origins. */
  public static Mapping parse(final String yaml, final String name) {
    try {
      return new MappingFile(name).parse(new ObjectMapper(new YAMLFactory()).readTree(yaml));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigProblem("(syntax)", null, name, e.getMessage())));
    }
  }

  private Mapping parse(final JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new ConfigException(List.of(problem("(root)", null, "the mapping must be a map with 'tables'")));
    }
    final String version = root.path("version").asText("unversioned");
    final List<TableMapping> tables = new ArrayList<>();
    final JsonNode list = root.path("tables");
    if (!list.isArray() || list.isEmpty()) {
      problems.add(problem("tables", null, "required: a list of table mappings"));
    } else {
      for (int i = 0; i < list.size(); i++) {
        final TableMapping t = table(list.get(i), "tables[" + i + "]");
        if (t != null) {
          tables.add(t);
        }
      }
    }
    final Set<String> seen = new java.util.HashSet<>();
    for (final TableMapping t : tables) {
      if (!seen.add(t.sourceTable())) {
        problems.add(problem("tables", t.sourceTable(), "source table mapped twice"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Mapping(version, tables);
  }

  private TableMapping table(final JsonNode node, final String path) {
    if (!node.isObject()) {
      problems.add(problem(path, node.toString(), "a table mapping must be a map"));
      return null;
    }
    unknownKeys(node, path, TABLE_KEYS);
    final String source = requiredText(node, path, "source");
    if (source != null && !source.matches("[A-Za-z_][\\w$]*\\.[A-Za-z_][\\w$]*")) {
      problems.add(problem(path + ".source", source, "expected schema.table, e.g. public.orders"));
    }
    final String target = requiredText(node, path, "target");
    final JsonNode cols = node.path("columns");
    final List<ColumnMapping> columns = new ArrayList<>();
    if (!cols.isObject() || cols.isEmpty()) {
      problems.add(problem(path + ".columns", null, "required: a map of source column to target column"));
    } else {
      final Iterator<Map.Entry<String, JsonNode>> it = cols.fields();
      while (it.hasNext()) {
        final Map.Entry<String, JsonNode> e = it.next();
        final ColumnMapping c = column(e.getKey(), e.getValue(), path + ".columns." + e.getKey());
        if (c != null) {
          columns.add(c);
        }
      }
    }
    return source == null || target == null ? null : new TableMapping(source, target, columns);
  }

  private ColumnMapping column(final String source, final JsonNode node, final String path) {
    if (node.isTextual()) {
      return new ColumnMapping(source, node.asText(), Conversion.AS_IS, "as-is");
    }
    if (!node.isObject()) {
      problems.add(problem(path, node.toString(), "expected a target column name or a map with 'target'"));
      return null;
    }
    unknownKeys(node, path, COLUMN_KEYS);
    final String target = node.path("target").asText(source);
    final Type type = option(Type.class, node, path, "type", Type.AS_IS);
    final Conversion conversion;
    switch (type) {
      case DECIMAL -> {
        if (!node.path("scale").canConvertToInt() || node.path("scale").asInt() < 0) {
          problems.add(problem(path + ".scale", node.path("scale").asText(null),
              "required for type decimal: digits after the point, 0 or more"));
          return null;
        }
        final Rounding rounding = option(Rounding.class, node, path, "rounding", Rounding.HALF_EVEN);
        conversion = Conversions.decimal(node.path("scale").asInt(), rounding.mode);
      }
      case INTEGER -> conversion = Conversions.integer();
      case TEXT -> conversion = Conversions.text(node.path("trim").asBoolean(false),
          node.path("empty-as-null").asBoolean(false));
      default -> conversion = Conversion.AS_IS;
    }
    return new ColumnMapping(source, target, conversion, Options.text(type));
  }

  private <E extends Enum<E>> E option(final Class<E> type, final JsonNode node, final String path, final String key,
      final E fallback) {
    final JsonNode v = node.path(key);
    if (v.isMissingNode()) {
      return fallback;
    }
    try {
      return Options.parse(type, v.asText());
    } catch (IllegalArgumentException e) {
      problems.add(problem(path + "." + key, v.asText(), e.getMessage()));
      return fallback;
    }
  }

  private String requiredText(final JsonNode node, final String path, final String key) {
    final JsonNode v = node.path(key);
    if (!v.isTextual() || v.asText().isBlank()) {
      problems.add(problem(path + "." + key, v.isMissingNode() ? null : v.toString(), "required: a name"));
      return null;
    }
    return v.asText().trim();
  }

  private void unknownKeys(final JsonNode node, final String path, final Set<String> allowed) {
    node.fieldNames().forEachRemaining(k -> {
      if (!allowed.contains(k)) {
        problems.add(problem(path + "." + k, null, "unknown key; allowed: "
            + String.join(", ", allowed.stream().sorted().toList())));
      }
    });
  }

  private ConfigProblem problem(final String key, final String value, final String message) {
    return new ConfigProblem(key, value, origin, message);
  }
}
