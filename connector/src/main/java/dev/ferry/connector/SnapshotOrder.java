package dev.ferry.connector;

import dev.ferry.schemas.Relation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order the initial snapshot reads the captured tables in: referenced tables before the tables that
 * reference them (the legacy database's foreign keys and {@code legacy.relations}), otherwise the user's order.
 *
 * <p>Why: the sink applies a batch table by table in the target's foreign-key order, but a batch can only hold
 * what has arrived. Snapshotted in the user's order, orders could reach the target before the customers they
 * reference; the target refused those batches as a whole and the sink applied them row by row, parking the
 * rows until their customers came (every Northwind demo did this). Debezium reads the tables in the order of
 * {@code table.include.list}, so that list is given parents first. Tables in a cycle of foreign keys keep the
 * user's order among themselves: no order satisfies a cycle, and the sink parks what it must.
 */
public final class SnapshotOrder {
  private SnapshotOrder() {
  }

  /** One foreign key between captured tables: {@code child} references {@code parent}. */
  record Edge(String child, String parent) {
  }

  /** {@code tables} ordered parents first, reading the foreign keys among them from {@code legacy}'s catalog. */
  static List<String> parentsFirst(final Connection legacy, final List<String> tables, final List<Relation> relations)
      throws SQLException {
    final List<Edge> edges = new ArrayList<>();
    relations.forEach(r -> edges.add(new Edge(r.child(), r.parent())));
    try (PreparedStatement ps = legacy.prepareStatement("""
        SELECT cn.nspname || '.' || c.relname, pn.nspname || '.' || p.relname
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
        JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE k.contype = 'f'""");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        edges.add(new Edge(rs.getString(1), rs.getString(2)));
      }
    }
    return sort(tables, edges);
  }

  /**
   * {@code tables} in an order where every edge's parent comes before its child, the user's order kept where
   * the edges allow; edges to tables not captured, and self-references, are ignored; a cycle's tables come in the
   * user's order once nothing else can go first.
   */
  static List<String> sort(final List<String> tables, final List<Edge> edges) {
    final Map<String, Set<String>> parents = new HashMap<>();
    for (final String t : tables) {
      parents.put(t, new HashSet<>());
    }
    for (final Edge e : edges) {
      if (parents.containsKey(e.child()) && parents.containsKey(e.parent()) && !e.child().equals(e.parent())) {
        parents.get(e.child()).add(e.parent());
      }
    }
    final List<String> out = new ArrayList<>(tables.size());
    final List<String> left = new ArrayList<>(tables);
    while (!left.isEmpty()) {
      // the first table whose parents are all out; when only a cycle is left, its first in the user's order
      final String next = left.stream().filter(t -> out.containsAll(parents.get(t))).findFirst().orElse(left.get(0));
      out.add(next);
      left.remove(next);
    }
    return out;
  }
}
