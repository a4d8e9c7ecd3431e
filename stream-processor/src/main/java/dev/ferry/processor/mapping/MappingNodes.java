package dev.ferry.processor.mapping;

import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Options;
import dev.ferry.config.YamlNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every part of a mapping file is read with: the problems found so far (all reported at once, each with its file,
 * line and path) and the readers of the values many keys share: names, options, numbers, flags, expressions.
 */
final class MappingNodes {
  private final List<ConfigProblem> problems = new ArrayList<>();

  /** The problems found so far, in the order found; the list itself, to add to. */
  List<ConfigProblem> problems() {
    return problems;
  }

  Expression expression(final YamlNode node) {
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

  <E extends Enum<E>> E option(final Class<E> type, final YamlNode node, final E fallback) {
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

  boolean bool(final YamlNode node) {
    if (node.missing()) {
      return false;
    }
    if (!"true".equals(node.text()) && !"false".equals(node.text())) {
      problems.add(node.problem("expected true or false"));
      return false;
    }
    return Boolean.parseBoolean(node.text());
  }

  int integer(final YamlNode node, final int fallback) {
    if (node.missing()) {
      return fallback;
    }
    if (node.text() == null || !node.text().matches("\\d{1,9}")) {
      problems.add(node.problem("expected a whole number, 0 or more"));
      return fallback;
    }
    return Integer.parseInt(node.text());
  }

  String requiredName(final YamlNode node) {
    if (!node.isScalar() || node.text().isBlank()) {
      problems.add(node.problem("required: a name"));
      return null;
    }
    return node.text().trim();
  }

  <T> T bad(final YamlNode node, final String message) {
    problems.add(node.problem(message));
    return null;
  }

  void unknownKeys(final YamlNode node, final Set<String> allowed) {
    for (final Map.Entry<String, YamlNode> e : node.entries().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        problems.add(e.getValue().problem("unknown key '" + e.getKey() + "'; allowed: " + new TreeSet<>(allowed)));
      }
    }
  }
}
