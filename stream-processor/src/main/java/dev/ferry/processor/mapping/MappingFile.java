package dev.ferry.processor.mapping;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Options;
import dev.ferry.config.YamlNode;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Severity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
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
import java.util.regex.PatternSyntaxException;

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
  private static final Set<String> CHECKS = Set.of("required", "min-length", "max-length", "min", "max", "pattern",
      "allowed", "in-lookup", "expr", "unique");
  private static final Set<String> RULE_KEYS = Set.of("id", "field", "severity", "message", "resolution", "assume",
      "required", "min-length", "max-length", "min", "max", "pattern", "allowed", "in-lookup", "expr", "unique");
  private static final Pattern ROW_REFERENCE = Pattern.compile("\\brow\\.([A-Za-z_][A-Za-z0-9_]*)");

  private final MappingOptions options;
  private final List<ConfigProblem> problems = new ArrayList<>();
  private final Map<String, Lookup> lookups = new LinkedHashMap<>();

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
    unknownKeys(root, ROOT_KEYS);
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
    unknownKeys(node, TABLE_KEYS);
    final String source = requiredName(node.get("source"));
    if (source != null && !source.matches("[A-Za-z_][\\w$]*\\.[A-Za-z_][\\w$]*")) {
      problems.add(node.get("source").problem("expected schema.table, e.g. public.orders"));
    }
    final String target = requiredName(node.get("target"));
    final Expression filter = node.get("filter").missing() ? null : expression(node.get("filter"));
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
      final Rule rule = rule(r, fieldNames);
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
    unknownKeys(node, FIELD_KEYS);
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
    final Type type = option(Type.class, node.get("type"), Type.AS_IS);
    if (node.get("trim").isScalar() || node.get("empty-as-null").isScalar() || type == Type.TEXT) {
      steps.add(Conversions.text(bool(node.get("trim")), bool(node.get("empty-as-null"))));
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
        steps.add(Conversions.lookup(lookup, option(Conversions.OnMissing.class, node.get("on-missing"),
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
      final Pii pii = option(Pii.class, node.get("pii"), Pii.MASK);
      if (options.protectPii()) {
        if (pii == Pii.PSEUDONYMIZE && options.pseudonymKey().isBlank()) {
          problems.add(node.get("pii").problem("pseudonymize needs a key: set processor.pseudonymization-key "
              + "(FERRY_PROCESSOR_PSEUDONYMIZATION_KEY)"));
        } else {
          steps.add(pii == Pii.MASK ? Conversions.mask(integer(node.get("keep-last"), 0))
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
        return v.isScalar() ? new FieldSource.FromColumn(v.text()) : bad(v, "expected a source column name");
      }
      case "concat" -> {
        final List<String> columns = v.items().stream().map(YamlNode::text).toList();
        if (columns.isEmpty() || columns.contains(null)) {
          return bad(v, "expected a list of source column names");
        }
        final String sep = node.get("separator").missing() ? " " : node.get("separator").text();
        return new FieldSource.Concat(columns, sep);
      }
      case "split" -> {
        if (!v.isScalar()) {
          return bad(v, "expected the source column to split");
        }
        final String sep = node.get("separator").missing() ? " " : node.get("separator").text();
        return new FieldSource.Split(v.text(), sep,
            option(FieldSource.Part.class, node.get("part"), FieldSource.Part.FIRST));
      }
      default -> {
        final Expression e = expression(v);
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
            option(Rounding.class, node.get("rounding"), Rounding.HALF_EVEN).mode);
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

  private Rule rule(final YamlNode node, final Set<String> fields) {
    unknownKeys(node, RULE_KEYS);
    final String id = requiredName(node.get("id"));
    final List<String> checks = node.entries().keySet().stream().filter(CHECKS::contains).toList();
    final boolean range = checks.size() == 2 && (new HashSet<>(checks).equals(Set.of("min", "max"))
        || new HashSet<>(checks).equals(Set.of("min-length", "max-length")));
    if (checks.size() != 1 && !range) {
      problems.add(node.problem("a rule checks exactly one of " + new TreeSet<>(CHECKS)
          + " (or min with max, min-length with max-length); found " + checks));
      return null;
    }
    final String field = node.get("field").missing() ? null : node.get("field").text();
    final String kind = checks.get(0);
    if (kind.equals("unique")) {
      return uniqueRule(node, id, field, fields);
    }
    if (field == null && !kind.equals("expr")) {
      problems.add(node.problem("rule '" + kind + "' needs the field it checks"));
      return null;
    }
    if (field != null && !fields.contains(field)) {
      problems.add(node.get("field").problem("not a field of this table; fields: " + fields));
      return null;
    }
    Rule.Check check = check(kind, node.get(kind));
    if (range) {
      final Rule.Check first = check;
      final Rule.Check second = check(checks.get(1), node.get(checks.get(1)));
      check = first == null || second == null ? null : (value, row) -> {
        final String v = first.violation(value, row);
        return v != null ? v : second.violation(value, row);
      };
    }
    final Severity severity = option(Severity.class, node.get("severity"), Severity.ERROR);
    return check == null || id == null ? null : new Rule(id, field, check, severity, node.get("message").text(),
        node.get("resolution").text(), node.get("assume").text(), List.of());
  }

  /** {@code unique: true} with {@code field}, or {@code unique: [field, field]} for a composite natural key. */
  private Rule uniqueRule(final YamlNode node, final String id, final String field, final Set<String> fields) {
    final YamlNode u = node.get("unique");
    final List<String> natural = u.isList() ? u.items().stream().map(YamlNode::text).toList()
        : "true".equals(u.text()) && field != null ? List.of(field) : List.of();
    if (natural.isEmpty()) {
      problems.add(u.problem("expected 'unique: true' with a field, or a list of the fields forming the natural key"));
      return null;
    }
    for (final String f : natural) {
      if (!fields.contains(f)) {
        problems.add(u.problem("'" + f + "' is not a field of this table; fields: " + fields));
        return null;
      }
    }
    return id == null ? null : new Rule(id, natural.get(0), (value, row) -> null,
        option(Severity.class, node.get("severity"), Severity.ERROR), node.get("message").text(),
        node.get("resolution").text(), node.get("assume").text(), natural);
  }

  private Rule.Check check(final String kind, final YamlNode v) {
    switch (kind) {
      case "required" -> {
        return (value, row) -> value == null || value.getValue() == null ? "is required but empty" : null;
      }
      case "min-length", "max-length" -> {
        final int limit = integer(v, -1);
        if (limit < 0) {
          problems.add(v.problem("expected a length, 0 or more"));
          return null;
        }
        final boolean max = kind.equals("max-length");
        return (value, row) -> {
          if (value == null || value.getValue() == null) {
            return null;
          }
          final int len = value.getValue().toString().length();
          return max && len > limit ? "is " + len + " characters long, more than " + limit
              : !max && len < limit ? "is " + len + " characters long, less than " + limit : null;
        };
      }
      case "min", "max" -> {
        final BigDecimal limit;
        try {
          limit = new BigDecimal(v.text());
        } catch (NumberFormatException | NullPointerException e) {
          problems.add(v.problem("expected a number"));
          return null;
        }
        final boolean max = kind.equals("max");
        return (value, row) -> {
          final BigDecimal n = number(value);
          if (n == null) {
            return null;
          }
          return max && n.compareTo(limit) > 0 ? "is above the maximum " + limit.toPlainString()
              : !max && n.compareTo(limit) < 0 ? "is below the minimum " + limit.toPlainString() : null;
        };
      }
      case "pattern" -> {
        try {
          final Pattern p = Pattern.compile(v.text());
          return (value, row) -> value == null || value.getValue() == null
              || p.matcher(value.getValue().toString()).matches() ? null : "does not match the pattern " + v.text();
        } catch (PatternSyntaxException | NullPointerException e) {
          problems.add(v.problem("not a regular expression: " + (e.getMessage() == null ? "" : e.getMessage())));
          return null;
        }
      }
      case "allowed" -> {
        final Set<String> allowed = new TreeSet<>();
        v.items().forEach(i -> allowed.add(i.text()));
        if (allowed.isEmpty()) {
          problems.add(v.problem("expected a list of allowed values"));
          return null;
        }
        return (value, row) -> value == null || value.getValue() == null
            || allowed.contains(value.getValue().toString()) ? null : "is not one of " + allowed;
      }
      case "in-lookup" -> {
        final Lookup lookup = lookups.get(v.text());
        if (lookup == null) {
          problems.add(v.problem("unknown lookup; defined: " + new TreeSet<>(lookups.keySet())));
          return null;
        }
        return (value, row) -> value == null || value.getValue() == null
            || lookup.values().containsKey(value.getValue().toString())
            || lookup.values().containsValue(value.getValue().toString()) ? null
            : "is not in lookup " + lookup.name();
      }
      default -> {
        final Expression e = expression(v);
        return e == null ? null : (value, row) -> e.test(row) ? null : "breaks the rule " + e.text();
      }
    }
  }

  private static BigDecimal number(final ColumnValue value) {
    if (value == null || value.getValue() == null) {
      return null;
    }
    try {
      return new BigDecimal(value.getValue().toString());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private Expression expression(final YamlNode node) {
    if (!node.isScalar()) {
      problems.add(node.problem("expected an expression (CEL) over row, e.g. row.quantity > 0"));
      return null;
    }
    try {
      return Expression.compile(node.text());
    } catch (IllegalArgumentException e) {
      problems.add(node.problem("not a valid expression: " + e.getMessage()));
      return null;
    }
  }

  private <E extends Enum<E>> E option(final Class<E> type, final YamlNode node, final E fallback) {
    if (node.missing()) {
      return fallback;
    }
    try {
      return Options.parse(type, node.text() == null ? "" : node.text());
    } catch (IllegalArgumentException e) {
      problems.add(node.problem(e.getMessage()));
      return fallback;
    }
  }

  private boolean bool(final YamlNode node) {
    if (node.missing()) {
      return false;
    }
    if (!"true".equals(node.text()) && !"false".equals(node.text())) {
      problems.add(node.problem("expected true or false"));
      return false;
    }
    return Boolean.parseBoolean(node.text());
  }

  private int integer(final YamlNode node, final int fallback) {
    if (node.missing()) {
      return fallback;
    }
    if (node.text() == null || !node.text().matches("\\d{1,9}")) {
      problems.add(node.problem("expected a whole number, 0 or more"));
      return fallback;
    }
    return Integer.parseInt(node.text());
  }

  private String requiredName(final YamlNode node) {
    if (!node.isScalar() || node.text().isBlank()) {
      problems.add(node.problem("required: a name"));
      return null;
    }
    return node.text().trim();
  }

  private <T> T bad(final YamlNode node, final String message) {
    problems.add(node.problem(message));
    return null;
  }

  private void unknownKeys(final YamlNode node, final Set<String> allowed) {
    for (final Map.Entry<String, YamlNode> e : node.entries().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        problems.add(e.getValue().problem("unknown key '" + e.getKey() + "'; allowed: " + new TreeSet<>(allowed)));
      }
    }
  }
}
