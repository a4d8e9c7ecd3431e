package dev.ferry.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order the target's foreign keys impose, read from the target's own metadata: a table's rank is
 * one more than the highest rank of the tables it references (self-references ignored). Upserts go in
 * ascending rank (parents first), deletes in descending rank (children first).
 */
final class TableOrder {
  private final Map<String, Integer> ranks = new HashMap<>();
  private final TargetDialect dialect;

  TableOrder(final TargetDialect dialect) {
    this.dialect = dialect;
  }

  /**
   * The keys of {@code tables} ordered by their table's rank: parents first, or children first; tables of one rank
   * in the map's order.
   */
  <K> List<K> sorted(final Connection c, final Map<K, TargetTable> tables, final boolean childrenFirst)
      throws SQLException {
    final Map<K, Integer> rank = new HashMap<>();
    for (final Map.Entry<K, TargetTable> e : tables.entrySet()) {
      rank.put(e.getKey(), rank(c, e.getValue()));
    }
    final List<K> out = new ArrayList<>(tables.keySet());
    out.sort((a, b) -> childrenFirst ? rank.get(b) - rank.get(a) : rank.get(a) - rank.get(b));
    return out;
  }

  /** Rank of {@code table}: 0 for a table that references no other. */
  int rank(final Connection c, final TargetTable table) throws SQLException {
    return rank(c, table.schema(), table.name(), new HashSet<>());
  }

  private int rank(final Connection c, final String schema, final String name, final Set<String> visiting)
      throws SQLException {
    final String id = schema + "." + name;
    final Integer known = ranks.get(id);
    if (known != null) {
      return known;
    }
    if (!visiting.add(id)) {
      return 0;
    }
    int rank = 0;
    final Set<String[]> parents = new HashSet<>();
    try (ResultSet rs = dialect.importedKeys(c.getMetaData(), schema, name)) {
      while (rs.next()) {
        parents.add(new String[] {dialect.referencedNamespace(rs), rs.getString("PKTABLE_NAME")});
      }
    }
    for (final String[] p : parents) {
      if (!(p[0] + "." + p[1]).equals(id)) {
        rank = Math.max(rank, 1 + rank(c, p[0], p[1], visiting));
      }
    }
    ranks.put(id, rank);
    return rank;
  }
}
