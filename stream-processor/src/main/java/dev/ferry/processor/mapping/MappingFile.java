package dev.ferry.processor.mapping;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Options;
import dev.ferry.config.YamlNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a mapping file (YAML, documented in {@code docs/mapping.md}) into a {@link Mapping}, checking it
 * as a whole: every problem is reported at once with file, line and path, as a {@link ConfigException}.
 * This checks the file on its own; {@code MappingSchemaCheck} checks it against the databases.
 */
public final class MappingFile {
  /** Field types. */
  enum Type { AS_IS, DECIMAL, INTEGER, TEXT, DATE, TIMESTAMP, BOOLEAN }

  /** Rounding rules a decimal may name. */
  enum Rounding {
    HALF_EVEN(RoundingMode.HALF_EVEN), HALF_UP(RoundingMode.HALF_UP), DOWN(RoundingMode.DOWN), UP(RoundingMode.UP),
    UNNECESSARY(RoundingMode.UNNECESSARY);

    final RoundingMode mode;

    Rounding(final RoundingMode mode) {
      this.mode = mode;
    }
  }

  /** Privacy treatment of a field in non-production runs. */
  enum Pii { MASK, PSEUDONYMIZE }

  private static final Set<String> ROOT_KEYS = Set.of("version", "lookups", "tables");
  private static final Set<String> TABLE_KEYS = Set.of("source", "target", "filter", "fields", "rules");
  private static final Set<String> SOURCES = Set.of("from", "concat", "split", "expr");
  private static final Set<String> FIELD_KEYS = Set.of("from", "concat", "split", "expr", "separator", "part", "type",
      "scale", "rounding", "formats", "zone", "trim", "empty-as-null", "lookup", "on-missing", "default", "pii",
      "keep-last");
  private static final Pattern ROW_REFERENCE = Pattern.compile("\\brow\\.([A-Za-z_][A-Za-z0-9_]*)");

  private final MappingOptions options;
  private final MappingNodes nodes = new MappingNodes();
  private final List<ConfigProblem> problems = nodes.problems();
  private final Map<String, Lookup> lookups = new LinkedHashMap<>();
  private final RuleReader ruleReader = new RuleReader(nodes, lookups);

  private MappingFile(final MappingOptions options) {
    this.options = options;
  }

  /** Loads and checks {@code file}; lookup files are read relative to it. @throws ConfigException listing every problem */
  public static Mapping load(final Path file, final MappingOptions options) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return new MappingFile(options).parse(YamlNode.parse(reader, file.getFileName().toString()));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigProblem("(file)", file.toString(), file.getFileName().toString(),
          "cannot read the mapping file: " + e.getMessage())));
    }
  }

  public static Mapping load(final Path file) {
    return load(file, MappingOptions.defaults(file.toAbsolutePath().getParent()));
  }

  /** Parses mapping YAML text; {@code name} is used in error origins. */
  public static Mapping parse(final String yaml, final String name) {
    return parse(yaml, name, MappingOptions.defaults(Path.of(".")));
  }

  public static Mapping parse(final String yaml, final String name, final MappingOptions options) {
    return new MappingFile(options).parse(YamlNode.parse(new StringReader(yaml), name));
  }

  private Mapping parse(final YamlNode root) {
    if (!root.isMap()) {
      throw new ConfigException(List.of(root.problem("the mapping must be a map with 'tables'")));
    }
    nodes.unknownKeys(root, ROOT_KEYS);
    final String version = root.get("version").missing() ? "unversioned" : root.get("version").text();
    root.get("lookups").entries().forEach(this::lookup);
    final List<TableMapping> tables = new ArrayList<>();
    final YamlNode list = root.get("tables");
    if (!list.isList() || list.items().isEmpty()) {
      problems.add(list.problem("required: a list of table mappings"));
    }
    final Set<String> seen = new HashSet<>();
    for (final YamlNode t : list.items()) {
      final TableMapping m = table(t);
      if (m != null && !seen.add(m.sourceTable())) {
        problems.add(t.get("source").problem("source table mapped twice"));
      }
      if (m != null) {
        tables.add(m);
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new Mapping(version, lookups, tables);
  }

  private void lookup(final String name, final YamlNode node) {
    final Map<String, String> values = new HashMap<>();
    if (node.get("values").isMap()) {
      node.get("values").entries().forEach((k, v) -> values.put(k, v.text()));
    } else if (node.get("file").isScalar()) {
      readCsv(node, values);
    } else {
      problems.add(node.problem("a lookup needs 'values' (a map of source code to target code) or 'file' (CSV)"));
      return;
    }
    lookups.put(name, new Lookup(name, values, node.origin()));
  }

  private void readCsv(final YamlNode node, final Map<String, String> values) {
    final Path file = options.baseDir().resolve(node.get("file").text());
    final String keyColumn = node.get("key").missing() ? "key" : node.get("key").text();
    final String valueColumn = node.get("value").missing() ? "value" : node.get("value").text();
    try (BufferedReader in = Files.newBufferedReader(file)) {
      final String header = in.readLine();
      final List<String> columns = header == null ? List.of() : Csv.split(header);
      final int k = columns.indexOf(keyColumn);
      final int v = columns.indexOf(valueColumn);
      if (k < 0 || v < 0) {
        problems.add(node.get("file").problem("CSV " + file.getFileName() + " has no column '"
            + (k < 0 ? keyColumn : valueColumn) + "' in its header " + columns));
        return;
      }
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          final List<String> cells = Csv.split(line);
          if (cells.size() > Math.max(k, v)) {
            values.put(cells.get(k), cells.get(v));
          }
        }
      }
    } catch (IOException e) {
      problems.add(node.get("file").problem("cannot read lookup file " + file + ": " + e.getMessage()));
    }
  }

  private TableMapping table(final YamlNode node) {
    if (!node.isMap()) {
      problems.add(node.problem("a table mapping must be a map"));
      return null;
    }
    nodes.unknownKeys(node, TABLE_KEYS);
    final String source = nodes.requiredName(node.get("source"));
    // any schema and table name PostgreSQL takes quoted (spaces, any letters), but not one with a dot
    if (source != null && !source.matches("[^.\\s](?:[^.]*[^.\\s])?\\.[^.\\s](?:[^.]*[^.\\s])?")) {
      problems.add(node.get("source").problem("expected schema.table, e.g. public.orders"));
    }
    final String target = nodes.requiredName(node.get("target"));
    final Expression filter = node.get("filter").missing() ? null : nodes.expression(node.get("filter"));
    final List<ColumnMapping> fields = new ArrayList<>();
    final YamlNode fieldsNode = node.get("fields");
    if (!fieldsNode.isMap() || fieldsNode.entries().isEmpty()) {
      problems.add(fieldsNode.problem("required: a map of target field to its source"));
    }
    fieldsNode.entries().forEach((name, f) -> {
      final ColumnMapping c = field(name, f);
      if (c != null) {
        fields.add(c);
      }
    });
    final Set<String> fieldNames = new TreeSet<>();
    fields.forEach(f -> fieldNames.add(f.target()));
    final List<Rule> rules = new ArrayList<>();
    for (final YamlNode r : node.get("rules").items()) {
      final Rule rule = ruleReader.rule(r, fieldNames);
      if (rule != null) {
        rules.add(rule);
      }
    }
    return source == null || target == null ? null
        : new TableMapping(source, target, filter, fields, rules, node.origin());
  }

  private ColumnMapping field(final String target, final YamlNode node) {
    if (node.isScalar()) {
      return new ColumnMapping(target, new FieldSource.FromColumn(node.text()), List.of(Conversion.AS_IS),
          node.path(), "as-is", node.origin());
    }
    if (!node.isMap()) {
      problems.add(node.problem("expected a source column name, or a map with from, concat, split or expr"));
      return null;
    }
    nodes.unknownKeys(node, FIELD_KEYS);
    final List<String> given = node.entries().keySet().stream().filter(SOURCES::contains).toList();
    if (given.size() > 1) {
      problems.add(node.problem("a field takes its value from one of from, concat, split, expr; found " + given));
      return null;
    }
    final FieldSource source = given.isEmpty() ? new FieldSource.FromColumn(target) : source(given.get(0), node);
    if (source == null) {
      return null;
    }
    final List<Conversion> steps = new ArrayList<>();
    final Type type = nodes.option(Type.class, node.get("type"), Type.AS_IS);
    if (node.get("trim").isScalar() || node.get("empty-as-null").isScalar() || type == Type.TEXT) {
      steps.add(Conversions.text(nodes.bool(node.get("trim")), nodes.bool(node.get("empty-as-null"))));
    }
    final Conversion typed = typed(type, node);
    if (typed != null) {
      steps.add(typed);
    }
    if (!node.get("lookup").missing()) {
      final Lookup lookup = lookups.get(node.get("lookup").text());
      if (lookup == null) {
        problems.add(node.get("lookup").problem("unknown lookup; defined: " + new TreeSet<>(lookups.keySet())));
      } else {
        steps.add(Conversions.lookup(lookup, nodes.option(Conversions.OnMissing.class, node.get("on-missing"),
            Conversions.OnMissing.ERROR)));
      }
    }
    if (node.get("default").isScalar()) {
      steps.add(Conversions.defaultValue(node.get("default").text()));
      if (typed != null) {
        steps.add(typed);
      }
    }
    if (!node.get("pii").missing()) {
      final Pii pii = nodes.option(Pii.class, node.get("pii"), Pii.MASK);
      if (options.protectPii()) {
        if (pii == Pii.PSEUDONYMIZE && options.pseudonymKey().isBlank()) {
          problems.add(node.get("pii").problem("pseudonymize needs a key: set processor.pseudonymization-key "
              + "(FERRY_PROCESSOR_PSEUDONYMIZATION_KEY)"));
        } else {
          steps.add(pii == Pii.MASK ? Conversions.mask(nodes.integer(node.get("keep-last"), 0))
              : Conversions.pseudonymize(options.pseudonymKey()));
        }
      }
    }
    return new ColumnMapping(target, source, steps, node.path(), Options.text(type), node.origin());
  }

  private FieldSource source(final String kind, final YamlNode node) {
    final YamlNode v = node.get(kind);
    switch (kind) {
      case "from" -> {
        return v.isScalar() ? new FieldSource.FromColumn(v.text()) : nodes.bad(v, "expected a source column name");
      }
      case "concat" -> {
        final List<String> columns = v.items().stream().map(YamlNode::text).toList();
        if (columns.isEmpty() || columns.contains(null)) {
          return nodes.bad(v, "expected a list of source column names");
        }
        final String sep = node.get("separator").missing() ? " " : node.get("separator").text();
        return new FieldSource.Concat(columns, sep);
      }
      case "split" -> {
        if (!v.isScalar()) {
          return nodes.bad(v, "expected the source column to split");
        }
        final String sep = node.get("separator").missing() ? " " : node.get("separator").text();
        return new FieldSource.Split(v.text(), sep,
            nodes.option(FieldSource.Part.class, node.get("part"), FieldSource.Part.FIRST));
      }
      default -> {
        final Expression e = nodes.expression(v);
        if (e == null) {
          return null;
        }
        final List<String> columns = new ArrayList<>();
        final Matcher m = ROW_REFERENCE.matcher(e.text());
        while (m.find()) {
          columns.add(m.group(1));
        }
        return new FieldSource.Derived(e, columns);
      }
    }
  }

  private Conversion typed(final Type type, final YamlNode node) {
    switch (type) {
      case DECIMAL -> {
        final YamlNode scale = node.get("scale");
        if (!scale.isScalar() || !scale.text().matches("\\d{1,2}")) {
          problems.add(scale.problem("required for type decimal: digits after the point, 0 to 99"));
          return null;
        }
        return Conversions.decimal(Integer.parseInt(scale.text()),
            nodes.option(Rounding.class, node.get("rounding"), Rounding.HALF_EVEN).mode);
      }
      case INTEGER -> {
        return Conversions.integer();
      }
      case DATE -> {
        return Conversions.date(formats(node.get("formats")), zone(node));
      }
      case TIMESTAMP -> {
        return Conversions.timestamp(formats(node.get("formats")), zone(node));
      }
      case BOOLEAN -> {
        return Conversions.bool();
      }
      default -> {
        return null;
      }
    }
  }

  /** The field's {@code zone} (default UTC); a bad one is a problem, and UTC stands in meanwhile. */
  private ZoneId zone(final YamlNode node) {
    if (!node.get("zone").missing()) {
      try {
        return ZoneId.of(node.get("zone").text());
      } catch (DateTimeException e) {
        problems.add(node.get("zone").problem("not a time zone; use a region such as Europe/Berlin or UTC"));
      }
    }
    return ZoneId.of("UTC");
  }

  private List<String> formats(final YamlNode node) {
    final List<String> out = new ArrayList<>();
    for (final YamlNode f : node.isScalar() ? List.of(node) : node.items()) {
      try {
        DateTimeFormatter.ofPattern(f.text(), Locale.ROOT);
        out.add(f.text());
      } catch (IllegalArgumentException e) {
        problems.add(f.problem("not a date format: " + e.getMessage()));
      }
    }
    return out;
  }
}
