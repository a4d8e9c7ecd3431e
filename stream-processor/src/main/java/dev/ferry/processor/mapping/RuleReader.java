package dev.ferry.processor.mapping;

import dev.ferry.config.ConfigProblem;
import dev.ferry.config.YamlNode;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Severity;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the {@code rules} of a table mapping (docs/mapping.md, "Rules"): each rule checks exactly one of
 * {@link #CHECKS} (or a range), over a field of the table or, for {@code expr}, the whole row.
 */
final class RuleReader {
  static final Set<String> CHECKS = Set.of("required", "min-length", "max-length", "min", "max", "pattern",
      "allowed", "in-lookup", "expr", "unique");
  private static final Set<String> RULE_KEYS = Set.of("id", "field", "severity", "message", "resolution", "assume",
      "required", "min-length", "max-length", "min", "max", "pattern", "allowed", "in-lookup", "expr", "unique");

  private final MappingNodes nodes;
  private final List<ConfigProblem> problems;
  private final Map<String, Lookup> lookups;

  /** @param lookups the file's lookups, by name (an {@code in-lookup} rule names one) */
  RuleReader(final MappingNodes nodes, final Map<String, Lookup> lookups) {
    this.nodes = nodes;
    this.problems = nodes.problems();
    this.lookups = lookups;
  }

  Rule rule(final YamlNode node, final Set<String> fields) {
    nodes.unknownKeys(node, RULE_KEYS);
    final String id = nodes.requiredName(node.get("id"));
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
    final Severity severity = nodes.option(Severity.class, node.get("severity"), Severity.ERROR);
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
        nodes.option(Severity.class, node.get("severity"), Severity.ERROR), node.get("message").text(),
        node.get("resolution").text(), node.get("assume").text(), natural);
  }

  private Rule.Check check(final String kind, final YamlNode v) {
    switch (kind) {
      case "required" -> {
        return (value, row) -> value == null || value.getValue() == null ? "is required but empty" : null;
      }
      case "min-length", "max-length" -> {
        final int limit = nodes.integer(v, -1);
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
        final Expression e = nodes.expression(v);
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
}
