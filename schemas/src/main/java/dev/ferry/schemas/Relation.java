package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A header/detail relation in the legacy schema: rows of {@code child} belong to the row of
 * {@code parent} whose {@code parentColumns} equal the child's {@code childColumns}. Written
 * {@code public.order_details(order_id) -> public.orders(order_id)}.
 *
 * <p>The relation decides the <em>header key</em> of both tables (the parent's key values, joined by
 * {@code |}): the connector keys CDC records by it so a header and its details share a partition,
 * and the stream processor orders them by it.
 *
 * @param child child (detail) table, {@code schema.table}
 * @param childColumns child columns referencing the parent, in order
 * @param parent parent (header) table, {@code schema.table}
 * @param parentColumns the referenced parent columns, in the same order
 */
public record Relation(String child, List<String> childColumns, String parent, List<String> parentColumns) {
  private static final Pattern SYNTAX = Pattern.compile(
      "\\s*([^.()\\s][^.()]*\\.[^.()]*[^.()\\s])\\s*\\(([^)]*)\\)\\s*->\\s*([^.()\\s][^.()]*\\.[^.()]*[^.()\\s])"
          + "\\s*\\(([^)]*)\\)\\s*");

  public Relation {
    childColumns = List.copyOf(childColumns);
    parentColumns = List.copyOf(parentColumns);
    if (childColumns.isEmpty() || childColumns.size() != parentColumns.size()) {
      throw new IllegalArgumentException("a relation needs the same number (at least one) of child and parent columns");
    }
  }

  /** Parses {@code child(c1,c2) -> parent(p1,p2)}; @throws IllegalArgumentException naming the expected form */
  public static Relation parse(final String text) {
    final Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a relation");
    }
    return new Relation(m.group(1), columns(m.group(2)), m.group(3), columns(m.group(4)));
  }

  private static List<String> columns(final String list) {
    final List<String> out = new ArrayList<>();
    for (final String c : list.split(",")) {
      if (!c.isBlank()) {
        out.add(c.trim());
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return child + "(" + String.join(",", childColumns) + ") -> " + parent + "(" + String.join(",", parentColumns) + ")";
  }
}
