package dev.ferry.sink;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds, in a batch the target refused for a missing referenced row (or, after such a batch, in the next one before
 * it is written), every row that waits for one: a row whose foreign key names a row that is neither in the target nor
 * among the batch's rows that will be written, checked with one query per foreign key and at most {@value #CHUNK}
 * keys, parents before children, so that a row under a waiting row waits too.
 *
 * <p>Why: during an initial sync a row often comes before the row it references (an order whose customer is on
 * another partition). Isolating such rows by halving the batch cost about k log(n/k) statements for k of them;
 * with reference data that every header points at, hundreds of rows of each batch waited, every batch was split,
 * and a migration with a customers table ran half again as long as without that foreign key (docs/benchmarks.md,
 * session 20). Asking the target which referenced keys it lacks costs one query per foreign key, and the rest of
 * the batch is then written whole.
 *
 * <p>A row found here is a {@link BatchWriter.Failure} with the error the target gives for it (SQLSTATE 23503, the
 * constraint, {@code Key (column)=(value) is not present in table ...}), so it is parked and retried like any
 * other row waiting for its reference. The check is advice, never a guarantee: a row it passes that the target
 * still refuses (its referenced row deleted meanwhile) is isolated as before, and a row it holds back by mistake
 * (a key written differently in the batch) is only retried later. PostgreSQL only: the keys are cast to the
 * referenced columns' types by name ({@code format_type}); elsewhere the batch is halved as before.
 */
final class MissingReferences {
  /** Keys per query: one parameter per key column each, well below PostgreSQL's 32,767 parameters. */
  static final int CHUNK = 1_000;

  private final TargetDialect dialect;
  /** Per target table (schema.name), its foreign keys to other tables. */
  private final Map<String, List<ForeignKey>> keys = new HashMap<>();
  /** Per table (schema.name), its columns' SQL type names. */
  private final Map<String, Map<String, String>> typeNames = new HashMap<>();

  /** A foreign key of {@code child}: its columns, in key order, referencing those of {@code parent}. */
  record ForeignKey(String name, TargetTable child, List<String> columns, String parentSchema, String parentName,
      List<String> referenced) {
    String parentId() {
      return parentSchema + "." + parentName;
    }
  }

  MissingReferences(final TargetDialect dialect) {
    this.dialect = dialect;
  }

  /** A finder for {@code dialect}, or null where it has none (the batch is then halved). */
  static MissingReferences of(final TargetDialect dialect) {
    return dialect instanceof PostgresDialect ? new MissingReferences(dialect) : null;
  }

  /** Resolves an apply record's table name to the target table. */
  interface Tables {
    TargetTable table(String name) throws SQLException;
  }

  /**
   * The upserts of {@code inWriteOrder} (parents first) that wait for a referenced row, each with the target's error
   * for it; the others are expected to apply.
   */
  Map<ApplyTopicRecord, SQLException> waiting(final Connection c, final List<ApplyTopicRecord> inWriteOrder,
      final Tables tables) throws SQLException {
    final Map<ApplyTopicRecord, SQLException> waiting = new IdentityHashMap<>();
    // the batch's tables, each resolved once
    final Map<String, TargetTable> named = new HashMap<>();
    for (final ApplyTopicRecord r : inWriteOrder) {
      if (!named.containsKey(r.packed().table())) {
        named.put(r.packed().table(), tables.table(r.packed().table()));
      }
    }
    // the tables a check reads rows of: those with foreign keys, and the tables these reference
    final Set<String> checked = new HashSet<>();
    for (final TargetTable t : named.values()) {
      for (final ForeignKey fk : foreignKeys(c, t)) {
        checked.add(id(t));
        checked.add(fk.parentId());
      }
    }
    // their rows to be written per table, decoded once, in write order (parents first); no other row is decoded
    final Map<String, List<Row>> byTable = new LinkedHashMap<>();
    for (final ApplyTopicRecord r : inWriteOrder) {
      final TargetTable t = named.get(r.packed().table());
      if (r.packed().op() != ApplyOp.DELETE && checked.contains(id(t))) {
        final ApplyRecord a = r.packed().unpack();
        byTable.computeIfAbsent(id(t), k -> new ArrayList<>()).add(new Row(r, t, a.getRow()));
      }
    }
    for (final List<Row> rows : byTable.values()) {
      for (final ForeignKey fk : foreignKeys(c, rows.get(0).table())) {
        final Set<String> inBatch = keysInBatch(byTable.get(fk.parentId()), fk.referenced(), waiting);
        // the rows whose key is not in the batch, by key: the target is asked once per distinct key
        final Map<String, List<Row>> ask = new LinkedHashMap<>();
        for (final Row row : rows) {
          final String key = tuple(row.values(), fk.columns());
          if (key != null && !waiting.containsKey(row.record()) && !inBatch.contains(key)) {
            ask.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
          }
        }
        final List<List<Row>> asked = new ArrayList<>(ask.values());
        for (int from = 0; from < asked.size(); from += CHUNK) {
          final List<List<Row>> chunk = asked.subList(from, Math.min(asked.size(), from + CHUNK));
          for (final int missing : absent(c, fk, chunk)) {
            for (final Row row : chunk.get(missing)) {
              waiting.put(row.record(), error(fk, row));
            }
          }
        }
      }
    }
    return waiting;
  }

  private record Row(ApplyTopicRecord record, TargetTable table, List<ColumnValue> values) {
  }

  /** The indexes in {@code chunk} (rows sharing a key) whose key the parent table lacks. */
  private List<Integer> absent(final Connection c, final ForeignKey fk, final List<List<Row>> chunk)
      throws SQLException {
    final Map<String, String> parentTypes = typeNames(c, fk.parentSchema(), fk.parentName());
    final StringBuilder values = new StringBuilder();
    for (int i = 0; i < chunk.size(); i++) {
      values.append(i == 0 ? "(" : ", (").append(i);
      for (final String referenced : fk.referenced()) {
        values.append(", CAST(? AS ").append(parentTypes.getOrDefault(referenced, "text")).append(')');
      }
      values.append(')');
    }
    final StringBuilder names = new StringBuilder("i");
    final StringBuilder match = new StringBuilder();
    for (int k = 0; k < fk.referenced().size(); k++) {
      names.append(", c").append(k);
      match.append(k == 0 ? "" : " AND ").append("p.").append(dialect.quote(fk.referenced().get(k)))
          .append(" = v.c").append(k);
    }
    final String sql = "SELECT v.i FROM (VALUES " + values + ") AS v(" + names + ") WHERE NOT EXISTS (SELECT 1 FROM "
        + dialect.quote(fk.parentSchema()) + "." + dialect.quote(fk.parentName()) + " p WHERE " + match + ")";
    final List<Integer> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int p = 1;
      for (final List<Row> rows : chunk) {
        final Row row = rows.get(0);
        for (final String column : fk.columns()) {
          ColumnBinder.bind(ps, p++, Columns.find(row.values(), column),
              fk.child().columnTypes().getOrDefault(column, Types.OTHER), dialect);
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getInt(1));
        }
      }
    }
    return out;
  }

  /** The keys the batch's rows of the parent table give its {@code referenced} columns, but for those waiting. */
  private static Set<String> keysInBatch(final List<Row> parents, final List<String> referenced,
      final Map<ApplyTopicRecord, SQLException> waiting) {
    final Set<String> out = new HashSet<>();
    if (parents != null) {
      for (final Row p : parents) {
        final String key = tuple(p.values(), referenced);
        if (key != null && !waiting.containsKey(p.record())) {
          out.add(key);
        }
      }
    }
    return out;
  }

  /** {@code columns}' values in {@code row} as one text, or null when one is null or absent (nothing to check). */
  private static String tuple(final List<ColumnValue> row, final List<String> columns) {
    final StringBuilder b = new StringBuilder();
    for (final String column : columns) {
      final ColumnValue v = Columns.find(row, column);
      if (v == null || v.getValue() == null) {
        return null;
      }
      b.append(v.getValue()).append('\u0000');
    }
    return b.toString();
  }

  /** The error PostgreSQL gives for {@code row}, with its constraint and key, as the dead letter shows it. */
  private static SQLException error(final ForeignKey fk, final Row row) {
    final List<String> values = new ArrayList<>();
    for (final String column : fk.columns()) {
      values.add(String.valueOf(Columns.find(row.values(), column).getValue()));
    }
    return new SQLException("insert or update on table \"" + fk.child().name() + "\" violates foreign key constraint \""
        + fk.name() + "\" (Key (" + String.join(", ", fk.columns()) + ")=(" + String.join(", ", values)
        + ") is not present in table \"" + fk.parentName() + "\"; found before writing)", "23503");
  }

  /** The foreign keys of {@code table} to other tables, read from the target once. */
  private List<ForeignKey> foreignKeys(final Connection c, final TargetTable table) throws SQLException {
    final List<ForeignKey> known = keys.get(id(table));
    if (known != null) {
      return known;
    }
    // per constraint, its column pairs in key order
    final Map<String, TreeMap<Short, String[]>> pairs = new LinkedHashMap<>();
    final Map<String, String[]> parents = new HashMap<>();
    try (ResultSet rs = dialect.importedKeys(c.getMetaData(), table.schema(), table.name())) {
      while (rs.next()) {
        final String name = rs.getString("FK_NAME");
        pairs.computeIfAbsent(name, n -> new TreeMap<>()).put(rs.getShort("KEY_SEQ"),
            new String[] {rs.getString("FKCOLUMN_NAME"), rs.getString("PKCOLUMN_NAME")});
        parents.put(name, new String[] {dialect.referencedNamespace(rs), rs.getString("PKTABLE_NAME")});
      }
    }
    final List<ForeignKey> out = new ArrayList<>();
    for (final Map.Entry<String, TreeMap<Short, String[]>> e : pairs.entrySet()) {
      final String[] parent = parents.get(e.getKey());
      if ((parent[0] + "." + parent[1]).equals(id(table))) {
        // a self-reference: PostgreSQL checks it at the end of the statement, so a row's parent in the batch counts
        continue;
      }
      final List<String> columns = new ArrayList<>();
      final List<String> referenced = new ArrayList<>();
      e.getValue().values().forEach(p -> {
        columns.add(p[0]);
        referenced.add(p[1]);
      });
      out.add(new ForeignKey(e.getKey(), table, columns, parent[0], parent[1], referenced));
    }
    keys.put(id(table), out);
    return out;
  }

  /** {@code schema.name}'s columns' type names, as a cast takes them (without a length: nothing is cut). */
  private Map<String, String> typeNames(final Connection c, final String schema, final String name)
      throws SQLException {
    final String id = schema + "." + name;
    Map<String, String> types = typeNames.get(id);
    if (types == null) {
      types = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, NULL) FROM "
          + "pg_attribute a WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped")) {
        ps.setString(1, dialect.quote(schema) + "." + dialect.quote(name));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            types.put(rs.getString(1), rs.getString(2));
          }
        }
      }
      typeNames.put(id, types);
    }
    return types;
  }

  /** After a broken deployment the target is being changed: its keys are read again. */
  void forget() {
    keys.clear();
    typeNames.clear();
  }

  private static String id(final TargetTable t) {
    return t.schema() + "." + t.name();
  }
}
