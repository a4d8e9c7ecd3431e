package dev.ferry.cli;

import dev.ferry.config.ConfigProblem;
import dev.ferry.processor.mapping.ColumnMapping;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.connector.ReplicaIdentity;
import dev.ferry.processor.mapping.Rule;
import dev.ferry.processor.mapping.TableMapping;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.TableKey;
import dev.ferry.sink.TargetTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a mapping against the two databases it connects, before anything starts: every source table
 * and column exists in the legacy database, with a primary key; every target table and field exists in the
 * target; every target key column is mapped, from the legacy key alone; a version column, where a table has one,
 * is a bigint (a table without one has its versions kept beside it); declared types fit the target columns.
 * Every problem names the mapping file and line.
 */
public final class MappingSchemaCheck {
  private MappingSchemaCheck() {
  }

  /** Problems found; empty when the mapping fits both databases. */
  public static List<ConfigProblem> check(final Mapping mapping, final Connection legacy, final Connection target,
      final String versionColumn) throws SQLException {
    return check(mapping, legacy, target, versionColumn, 1);
  }

  /**
   * As above, for topics of {@code partitions} partitions: with more than one, a {@code unique} rule needs a unique
   * index in the target to hold across the whole table.
   */
  public static List<ConfigProblem> check(final Mapping mapping, final Connection legacy, final Connection target,
      final String versionColumn, final int partitions) throws SQLException {
    return check(mapping, legacy, target, versionColumn, partitions, Set.of());
  }

  /**
   * As above, with the legacy tables declared append-only ({@code legacy.append-only}): keyed by the column {@value
   * LegacyPosition#COLUMN} the capture adds to their rows, which the mapping reads as a legacy column.
   */
  public static List<ConfigProblem> check(final Mapping mapping, final Connection legacy, final Connection target,
      final String versionColumn, final int partitions, final Set<String> appendOnly) throws SQLException {
    final List<ConfigProblem> out = new ArrayList<>();
    for (final TableMapping t : mapping.tables()) {
      final Set<String> generated = new HashSet<>();
      final Set<String> hstores = new HashSet<>();
      final Map<String, Integer> source = columns(legacy, t.sourceTable(), generated, hstores);
      final boolean positioned = appendOnly.contains(t.sourceTable()) && !source.isEmpty();
      if (source.isEmpty()) {
        out.add(problem(t.origin(), "source", t.sourceTable(), "no such table in the legacy database"));
      } else if (positioned && source.containsKey(LegacyPosition.COLUMN)) {
        out.add(problem(t.origin(), "source", t.sourceTable(), "append-only legacy table " + t.sourceTable()
            + " has a column " + LegacyPosition.COLUMN + " of its own, the name the capture gives each row's position "
            + "in such a table; rename that column"));
      } else if (positioned) {
        source.put(LegacyPosition.COLUMN, Types.VARCHAR);
      }
      Map<String, Integer> targetColumns = Map.of();
      List<String> targetKey = List.of();
      final Set<String> computed = new HashSet<>();
      Map<String, String> targetTypeNames = Map.of();
      Set<String> required = Set.of();
      try {
        final TargetTable described = TargetTable.read(target, t.targetTable());
        targetColumns = described.columnTypes();
        targetKey = described.key();
        computed.addAll(described.generated());
        computed.addAll(alwaysIdentity(target, described));
        targetTypeNames = described.typeNames();
        required = fillsOnInsert(target, described) ? Set.of() : described.required();
      } catch (SQLException e) {
        if (!"42P01".equals(e.getSQLState()) && !"42P10".equals(e.getSQLState())) {
          throw e;
        }
        out.add(problem(t.origin(), "target", t.targetTable(), "42P01".equals(e.getSQLState())
            ? "no such table in the target database" : e.getMessage()));
      }
      final Set<String> mapped = new HashSet<>();
      for (final ColumnMapping f : t.columns()) {
        mapped.add(f.target());
        if (!source.isEmpty()) {
          for (final String c : f.source().columns()) {
            if (!source.containsKey(c)) {
              out.add(problem(f.origin(), f.description(), c, "no column " + c + " in legacy table "
                  + t.sourceTable() + "; its columns: " + new TreeSet<>(source.keySet())));
            } else if (generated.contains(c)) {
              out.add(problem(f.origin(), f.description(), c, "legacy column " + t.sourceTable() + "." + c
                  + " is generated, and PostgreSQL's logical replication does not send generated columns: every "
                  + "change would lack it. Compute the field from the columns it is generated from (expr)"));
            }
          }
        }
        if (!targetColumns.isEmpty()) {
          final Integer type = targetColumns.get(f.target());
          if (type == null) {
            out.add(problem(f.origin(), f.description(), f.target(), "no column " + f.target() + " in target table "
                + t.targetTable() + "; its columns: " + new TreeSet<>(targetColumns.keySet())));
          } else if ("hstore".equals(targetTypeNames.get(f.target())) && f.source().columns().size() == 1
              && hstores.contains(f.source().columns().get(0))) {
            out.add(problem(f.origin(), f.description(), f.target(), "legacy column " + t.sourceTable() + "."
                + f.source().columns().get(0) + " is an hstore, which the capture carries as JSON ({\"k\": \"v\"}), "
                + "and target column " + t.targetTable() + "." + f.target() + " is an hstore too, which refuses that "
                + "text: the sink would stop at the first row. Map it into a jsonb, json or text column"));
          } else if (computed.contains(f.target())) {
            out.add(problem(f.origin(), f.description(), f.target(), "target column " + t.targetTable() + "."
                + f.target() + " is computed by the database (GENERATED ALWAYS), which refuses any value for it: "
                + "leave the field out, or let Ferry write it (an identity column: ALTER COLUMN " + f.target()
                + " SET GENERATED BY DEFAULT)"));
          } else if (!fits(f.type(), type)) {
            out.add(problem(f.origin(), f.description() + ".type", f.type(), "a " + f.type()
                + " value does not fit target column " + t.targetTable() + "." + f.target() + " ("
                + jdbcTypeName(type) + ")" + ("timestamp".equals(f.type()) && type == Types.DATE
                ? "; use type: date, which takes a timestamp's date and drops its time of day" : "")));
          }
        }
      }
      final List<String> legacyKey = source.isEmpty() ? List.of()
          : positioned ? List.of(LegacyPosition.COLUMN) : primaryKey(legacy, t.sourceTable());
      if (positioned) {
        if (!t.readsPosition()) {
          out.add(problem(t.origin(), "fields", LegacyPosition.COLUMN, "append-only legacy table " + t.sourceTable()
              + " is keyed by each row's position, the column " + LegacyPosition.COLUMN + ": map it into the target's "
              + "key column (position: {from: " + LegacyPosition.COLUMN + "}, a text column), else every row of it "
              + "would lack a key"));
        }
      } else if (!source.isEmpty() && legacyKey.isEmpty()) {
        out.add(problem(t.origin(), "source", t.sourceTable(), "legacy table " + t.sourceTable() + " has no primary "
            + "key, so its changes do not say which row they change and Ferry cannot key the target row; declare a "
            + "primary key on it (REPLICA IDENTITY FULL alone does not give its changes a key), or, where a unique "
            + "index on NOT NULL columns identifies its rows, " + ReplicaIdentity.usingIndex(t.sourceTable())
            + "; a table whose rows nothing tells apart (a log) can be synced as append-only: legacy.append-only, "
            + "docs/mapping.md"));
      } else if (!source.isEmpty() && ReplicaIdentity.isNothing(legacy, t.sourceTable())) {
        out.add(problem(t.origin(), "source", t.sourceTable(), ReplicaIdentity.nothingProblem(t.sourceTable())));
      }
      if (!targetColumns.isEmpty()) {
        for (final String column : new TreeSet<>(required)) {
          if (!mapped.contains(column) && !targetKey.contains(column) && !column.equals(versionColumn)) {
            out.add(problem(t.origin(), "fields", column, "target column " + t.targetTable() + "." + column
                + " is NOT NULL without a default, and no field writes it: the target would refuse every row. Map a "
                + "field to it, or give the column a default"));
          }
        }
        for (final String key : targetKey) {
          if (!mapped.contains(key)) {
            out.add(problem(t.origin(), "fields", key, "target key column " + t.targetTable() + "." + key
                + " is not mapped; every key column needs a field"));
          } else if (!legacyKey.isEmpty()) {
            keyProblem(t, key, legacyKey, out);
          }
        }
        if (partitions > 1) {
          uniqueScopeProblems(t, target, partitions, out);
        }
        if (!source.isEmpty()) {
          NarrowedColumns.check(t, legacy, target, out);
        }
        // a table without the version column is fine: the sink keeps its rows' versions beside it (RowVersions)
        final Integer versionType = targetColumns.get(versionColumn);
        if (versionType != null && versionType != Types.BIGINT) {
          out.add(problem(t.origin(), "target", t.targetTable(), "version column " + t.targetTable() + "."
              + versionColumn + " is " + jdbcTypeName(versionType) + "; it holds 64-bit source versions and must be "
              + "bigint (or drop it: the sink then keeps the versions in its own table)"));
        }
      }
    }
    return out;
  }

  /**
   * A target key column must be computed from the legacy key alone: the key is what a delete carries, and what
   * tells an update of a row from a new row. One read from any other column leaves deletes without it, and a
   * change of that column would write a second row beside the first.
   */
  private static void keyProblem(final TableMapping t, final String key, final List<String> legacyKey,
      final List<ConfigProblem> out) {
    for (final ColumnMapping f : t.columns()) {
      if (!f.target().equals(key)) {
        continue;
      }
      final List<String> reads = f.source().columns();
      if (reads.isEmpty() || !legacyKey.containsAll(reads)) {
        out.add(problem(f.origin(), f.description(), key, "target key column " + t.targetTable() + "." + key
            + (reads.isEmpty() ? " reads no legacy column" : " reads " + reads)
            + ", not only the legacy key " + legacyKey + " of " + t.sourceTable() + ": deletes would lack it, and a "
            + "change of it would write a second row. Compute every target key column from the legacy key, or key "
            + "the target table by columns that are"));
      }
    }
  }

  /**
   * A {@code unique} rule is checked by the processor task that sees the row, and rows are spread over the
   * partitions by their header key: two rows with the same natural key on different partitions both pass. So with
   * more than one partition the rule holds across the table only with a unique index in the target (the database
   * then refuses the second row: a WRITE dead letter naming the index).
   */
  private static void uniqueScopeProblems(final TableMapping t, final Connection target, final int partitions,
      final List<ConfigProblem> out) throws SQLException {
    final List<Set<String>> indexes = uniqueIndexes(target, t.targetTable());
    for (final Rule rule : t.rules()) {
      if (rule.unique().isEmpty() || indexes.stream().anyMatch(ix -> rule.unique().containsAll(ix))) {
        continue;
      }
      out.add(problem(t.origin(), "rules", rule.id(), "unique rule " + rule.id() + " is checked within one of the "
          + partitions + " partitions only: two rows with the same " + rule.unique() + " on different partitions "
          + "would both pass. Add a unique index on " + t.targetTable() + rule.unique() + " in the target (the "
          + "database then refuses the second row, a dead letter naming it), or set topics.partitions: 1"));
    }
  }

  private static List<Set<String>> uniqueIndexes(final Connection c, final String qualified) throws SQLException {
    final TableName name = split(c, qualified);
    final Map<String, Set<String>> byIndex = new LinkedHashMap<>();
    try (ResultSet rs = c.getMetaData().getIndexInfo(c.getCatalog(), name.schema(), name.table(), true, false)) {
      while (rs.next()) {
        if (rs.getString("INDEX_NAME") != null && rs.getString("COLUMN_NAME") != null) {
          byIndex.computeIfAbsent(rs.getString("INDEX_NAME"), k -> new HashSet<>()).add(rs.getString("COLUMN_NAME"));
        }
      }
    }
    return new ArrayList<>(byIndex.values());
  }

  /** The legacy table's key as the capture keys its rows ({@link TableKey#captured}); empty when it has none. */
  private static List<String> primaryKey(final Connection c, final String qualified) throws SQLException {
    final TableName name = split(c, qualified);
    return TableKey.captured(c, name.schema(), name.table()).columns();
  }

  private static boolean fits(final String declared, final int jdbcType) {
    return switch (declared) {
      case "decimal" -> isNumeric(jdbcType);
      case "integer" -> isNumeric(jdbcType);
      case "date" -> jdbcType == Types.DATE || jdbcType == Types.TIMESTAMP || isText(jdbcType);
      case "timestamp" -> jdbcType == Types.TIMESTAMP || jdbcType == Types.TIMESTAMP_WITH_TIMEZONE;
      case "boolean" -> jdbcType == Types.BOOLEAN || jdbcType == Types.BIT || isText(jdbcType);
      case "text" -> isText(jdbcType) || jdbcType == Types.OTHER;
      default -> true;
    };
  }

  private static boolean isNumeric(final int t) {
    return t == Types.NUMERIC || t == Types.DECIMAL || t == Types.INTEGER || t == Types.SMALLINT
        || t == Types.BIGINT || t == Types.TINYINT || t == Types.REAL || t == Types.DOUBLE || t == Types.FLOAT;
  }

  private static boolean isText(final int t) {
    return t == Types.VARCHAR || t == Types.CHAR || t == Types.LONGVARCHAR || t == Types.NVARCHAR
        || t == Types.NCHAR || t == Types.CLOB;
  }

  private static String jdbcTypeName(final int t) {
    for (final var f : Types.class.getFields()) {
      try {
        if (f.getInt(null) == t) {
          return f.getName().toLowerCase(Locale.ROOT);
        }
      } catch (IllegalAccessException e) {
        return String.valueOf(t);
      }
    }
    return String.valueOf(t);
  }

  /** The columns of {@code qualified} with their JDBC types, in table order; the generated ones into {@code generated}. */
  private static Map<String, Integer> columns(final Connection c, final String qualified, final Set<String> generated,
      final Set<String> hstores) throws SQLException {
    final TableName name = split(c, qualified);
    final Map<String, Integer> out = new LinkedHashMap<>();
    try (ResultSet rs = c.getMetaData().getColumns(null, name.schema(), name.table(), null)) {
      while (rs.next()) {
        out.put(rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"));
        if ("YES".equals(rs.getString("IS_GENERATEDCOLUMN"))) {
          generated.add(rs.getString("COLUMN_NAME"));
        }
        if ("hstore".equals(rs.getString("TYPE_NAME"))) {
          hstores.add(rs.getString("COLUMN_NAME"));
        }
      }
    }
    return out;
  }

  /** The columns of a PostgreSQL table declared GENERATED ALWAYS AS IDENTITY; none on another database. */
  private static Set<String> alwaysIdentity(final Connection c, final TargetTable t) throws SQLException {
    final Set<String> out = new HashSet<>();
    if (!isPostgres(c)) {
      return out;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_attribute a JOIN pg_class t ON t.oid = "
        + "a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = coalesce(?, current_schema()) "
        + "AND t.relname = ? AND a.attidentity = 'a' AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /**
   * Whether a trigger before each insert into the table may fill its columns (one that sets who created a row,
   * say): then a NOT NULL column no field writes is not taken for a mistake.
   */
  private static boolean fillsOnInsert(final Connection c, final TargetTable t) throws SQLException {
    final String sql = isPostgres(c)
        ? "SELECT count(*) FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = "
            + "t.relnamespace WHERE n.nspname = coalesce(?, current_schema()) AND t.relname = ? AND NOT g.tgisinternal "
            + "AND (g.tgtype & 7) = 7"
        : "SELECT count(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = coalesce(?, database()) "
            + "AND EVENT_OBJECT_TABLE = ? AND ACTION_TIMING = 'BEFORE' AND EVENT_MANIPULATION = 'INSERT'";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, t.schema());
      ps.setString(2, t.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  static boolean isPostgres(final Connection c) throws SQLException {
    return "PostgreSQL".equals(c.getMetaData().getDatabaseProductName());
  }

  /** A table's schema and name, as the catalog calls take them. */
  private record TableName(String schema, String table) {
  }

  /** Schema (the connection's own when {@code qualified} names none) and table of {@code schema.table}. */
  private static TableName split(final Connection c, final String qualified) throws SQLException {
    final int dot = qualified.indexOf('.');
    return dot < 0 ? new TableName(c.getSchema(), qualified)
        : new TableName(qualified.substring(0, dot), qualified.substring(dot + 1));
  }



  private static ConfigProblem problem(final String origin, final String key, final String value,
      final String message) {
    return new ConfigProblem(key, value, origin, message);
  }
}
