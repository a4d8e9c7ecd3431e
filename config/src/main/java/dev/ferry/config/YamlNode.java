package dev.ferry.config;

import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML node that knows where it was written: its file, line and path ({@code tables[1].fields.code}),
 * so that every problem found in a user's file can point at the spot. A missing child is an empty node
 * with the parent's position, so lookups never return null.
 */
public final class YamlNode {
  private final Node node;
  private final String file;
  private final String path;
  private final int line;

  private YamlNode(final Node node, final String file, final String path, final int line) {
    this.node = node;
    this.file = file;
    this.path = path;
    this.line = line;
  }

  /**
   * Parses YAML; a syntax error becomes a {@link ConfigException} with file and line.
   *
   * @param file the file name used in every origin
   */
  public static YamlNode parse(final Reader reader, final String file) {
    try {
      final Node root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
      return new YamlNode(root, file, "", root == null ? 1 : root.getStartMark().getLine() + 1);
    } catch (MarkedYAMLException e) {
      throw new ConfigException(List.of(new ConfigProblem("(syntax)", null,
          file + ":" + (e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1), e.getProblem())));
    }
  }

  public boolean missing() {
    return node == null;
  }

  public boolean isMap() {
    return node instanceof MappingNode;
  }

  public boolean isList() {
    return node instanceof SequenceNode;
  }

  public boolean isScalar() {
    return node instanceof ScalarNode;
  }

  /** The scalar's text; null when this is not a scalar. */
  public String text() {
    return node instanceof ScalarNode s ? s.getValue() : null;
  }

  /** The child under {@code key}; an empty node when absent or when this is not a map. */
  public YamlNode get(final String key) {
    return entries().getOrDefault(key, new YamlNode(null, file, child(key), line));
  }

  /** The entries of a map, in file order; empty when this is not a map. */
  public Map<String, YamlNode> entries() {
    final Map<String, YamlNode> out = new LinkedHashMap<>();
    if (node instanceof MappingNode m) {
      for (final NodeTuple t : m.getValue()) {
        final String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : t.getKeyNode().toString();
        out.put(key, new YamlNode(t.getValueNode(), file, child(key), t.getKeyNode().getStartMark().getLine() + 1));
      }
    }
    return out;
  }

  /** The items of a list; empty when this is not a list. */
  public List<YamlNode> items() {
    final List<YamlNode> out = new ArrayList<>();
    if (node instanceof SequenceNode s) {
      int i = 0;
      for (final Node n : s.getValue()) {
        out.add(new YamlNode(n, file, path + "[" + i++ + "]", n.getStartMark().getLine() + 1));
      }
    }
    return out;
  }

  private String child(final String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Dotted path from the root, e.g. {@code tables[0].fields.code}. */
  public String path() {
    return path;
  }

  /** {@code file:line}. */
  public String origin() {
    return file + ":" + line;
  }

  public String file() {
    return file;
  }

  /** A problem at this node. */
  public ConfigProblem problem(final String message) {
    return new ConfigProblem(path.isEmpty() ? "(root)" : path, isScalar() ? text() : null, origin(), message);
  }
}
