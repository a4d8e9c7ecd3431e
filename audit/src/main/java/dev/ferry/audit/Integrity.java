package dev.ferry.audit;

import dev.ferry.connector.LegacyRows;
import dev.ferry.processor.mapping.ColumnMapping;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.Rule;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.Relation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Referential problems in the legacy data, counted by the legacy database: orphans per header/detail relation
 * ({@code legacy.relations}) and per foreign key the target will enforce (read from the target's catalog and traced
 * back through the mapping to legacy columns), and duplicates of every natural key a {@code unique} rule declares.
 * A check that cannot be traced to legacy columns (a field derived by an expression, say) is listed as not checked,
 * with why.
 */
final class Integrity {
  private static final int EXAMPLES = 5;

  /** One check: what it is, how many rows fail it, a few of their values; {@code skipped} says why it did not run. */
  record Finding(String kind, String what, long failing, List<String> examples, String skipped) {
  }

  private Integrity() {
  }

  /** Orphans of each relation: detail rows whose header is not in the legacy database. */
  static List<Finding> relations(final Connection legacy, final List<Relation> relations) throws SQLException {
    final List<Finding> out = new ArrayList<>();
    for (final Relation r : relations) {
      out.add(orphans(legacy, "relation", r.toString(), r.child(), r.childColumns(), r.parent(), r.parentColumns()));
    }
    return out;
  }

  /**
   * Orphans of each foreign key of the target's mapped tables, in legacy terms: rows whose referenced legacy row is
   * missing, which the target would refuse (and the sink park, then dead-letter).
   */
  static List<Finding> targetForeignKeys(final Connection legacy, final Connection target, final Mapping mapping)
      throws SQLException {
    final List<Finding> out = new ArrayList<>();
    final Map<String, TableMapping> byTarget = new LinkedHashMap<>();
    mapping.tables().forEach(t -> byTarget.putIfAbsent(bare(t.targetTable()), t));
    for (final TableMapping child : mapping.tables()) {
      final String[] name = split(target, child.targetTable());
      final Map<String, List<String[]>> keys = new TreeMap<>();
      try (ResultSet rs = target.getMetaData().getImportedKeys(null, name[0], name[1])) {
        while (rs.next()) {
          keys.computeIfAbsent(rs.getString("FK_NAME") + "\u0001" + rs.getString("PKTABLE_NAME"), k -> new ArrayList<>())
              .add(new String[] {rs.getString("FKCOLUMN_NAME"), rs.getString("PKCOLUMN_NAME")});
        }
      }
      for (final var fk : keys.entrySet()) {
        final String[] id = fk.getKey().split("\u0001", 2);
        final String what = child.targetTable() + " " + id[0] + " -> " + id[1];
        final TableMapping parent = byTarget.get(id[1]);
        final List<String> childColumns = new ArrayList<>();
        final List<String> parentColumns = new ArrayList<>();
        String untraced = parent == null ? "the referenced table " + id[1] + " is not mapped from a legacy table" : null;
        for (final String[] pair : fk.getValue()) {
          final String c = sourceColumn(child, pair[0]);
          final String p = parent == null ? null : sourceColumn(parent, pair[1]);
          if (untraced == null && (c == null || p == null)) {
            untraced = "field " + (c == null ? pair[0] : pair[1]) + " is not copied from one legacy column";
          }
          childColumns.add(c);
          parentColumns.add(p);
        }
        out.add(untraced != null ? new Finding("foreign key", what, 0, List.of(), untraced)
            : orphans(legacy, "foreign key", what, child.sourceTable(), childColumns, parent.sourceTable(),
                parentColumns));
      }
    }
    return out;
  }

  /** Duplicates of each natural key declared by a {@code unique} rule. */
  static List<Finding> duplicates(final Connection legacy, final Mapping mapping) throws SQLException {
    final List<Finding> out = new ArrayList<>();
    for (final TableMapping t : mapping.tables()) {
      for (final Rule r : t.rules()) {
        if (r.unique().isEmpty()) {
          continue;
        }
        final String what = t.targetTable() + " " + r.id() + " " + r.unique();
        final List<String> columns = new ArrayList<>();
        String untraced = null;
        for (final String field : r.unique()) {
          final String c = sourceColumn(t, field);
          if (c == null) {
            untraced = "field " + field + " is not copied from one legacy column";
          }
          columns.add(c);
        }
        if (untraced != null) {
          out.add(new Finding("duplicate", what, 0, List.of(), untraced));
          continue;
        }
        final String cols = String.join(", ", columns.stream().map(LegacyRows::quote).toList());
        final String notNull = String.join(" AND ", columns.stream().map(c -> LegacyRows.quote(c) + " IS NOT NULL")
            .toList());
        final String groups = "SELECT " + cols + ", count(*) AS n FROM " + LegacyRows.quoted(t.sourceTable())
            + " WHERE " + notNull + " GROUP BY " + cols + " HAVING count(*) > 1";
        long failing = 0;
        try (Statement s = legacy.createStatement();
            ResultSet rs = s.executeQuery("SELECT coalesce(sum(n), 0) FROM (" + groups + ") d")) {
          rs.next();
          failing = rs.getLong(1);
        }
        out.add(new Finding("duplicate", what, failing, examples(legacy, groups + " ORDER BY n DESC"), null));
      }
    }
    return out;
  }

  private static Finding orphans(final Connection legacy, final String kind, final String what, final String child,
      final List<String> childColumns, final String parent, final List<String> parentColumns) throws SQLException {
    final List<String> match = new ArrayList<>();
    final List<String> present = new ArrayList<>();
    for (int i = 0; i < childColumns.size(); i++) {
      match.add("p." + LegacyRows.quote(parentColumns.get(i)) + " = c." + LegacyRows.quote(childColumns.get(i)));
      present.add("c." + LegacyRows.quote(childColumns.get(i)) + " IS NOT NULL");
    }
    final String from = " FROM " + LegacyRows.quoted(child) + " c WHERE " + String.join(" AND ", present)
        + " AND NOT EXISTS (SELECT 1 FROM " + LegacyRows.quoted(parent) + " p WHERE " + String.join(" AND ", match)
        + ")";
    long failing;
    try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*)" + from)) {
      rs.next();
      failing = rs.getLong(1);
    }
    final String cols = String.join(", ", childColumns.stream().map(c -> "c." + LegacyRows.quote(c)).toList());
    return new Finding(kind, what, failing, failing == 0 ? List.of() : examples(legacy, "SELECT DISTINCT " + cols
        + from), null);
  }

  private static List<String> examples(final Connection legacy, final String sql) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = legacy.createStatement(); ResultSet rs = s.executeQuery(sql + " LIMIT " + EXAMPLES)) {
      final int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        final List<String> values = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          values.add(rs.getMetaData().getColumnLabel(i) + "=" + rs.getString(i));
        }
        out.add(String.join(" ", values));
      }
    }
    return out;
  }

  private static String sourceColumn(final TableMapping t, final String field) {
    for (final ColumnMapping c : t.columns()) {
      if (c.target().equals(field)) {
        return c.sourceColumn();
      }
    }
    return null;
  }

  private static String bare(final String table) {
    final int dot = table.indexOf('.');
    return dot < 0 ? table : table.substring(dot + 1);
  }

  private static String[] split(final Connection c, final String qualified) throws SQLException {
    final int dot = qualified.indexOf('.');
    return dot < 0 ? new String[] {c.getSchema(), qualified}
        : new String[] {qualified.substring(0, dot), qualified.substring(dot + 1)};
  }
}
