package dev.ferry.audit;

import static dev.ferry.connector.LegacyRows.quote;
import static dev.ferry.connector.LegacyRows.quoted;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What one legacy table holds, measured by the legacy database itself (one aggregate query over the table, one
 * grouping query per column for its top values): rows; per column nulls, blanks, distinct values, min and max,
 * lengths, the most frequent values, and for text columns how many values look like an integer, a decimal, or a
 * date in the formats the mapping reads that column with.
 */
final class TableProfile {
  private static final int TOP = 5;
  /** Text values that look like an integer, a decimal, an ISO date. */
  private static final String INTEGER = "^\\s*[-+]?[0-9]+\\s*$";
  private static final String DECIMAL = "^\\s*[-+]?([0-9]+[.,]?[0-9]*|[.,][0-9]+)\\s*$";
  private static final String ISO_DATE = "^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}";

  /** One value and how often it occurs. */
  record Frequent(String value, long count) {
  }

  /** One column's figures; text-only figures are -1 for other types. */
  record Column(String name, String type, long nulls, long blanks, long distinct, String min, String max,
      long minLength, long maxLength, double avgLength, List<Frequent> top, long integers, long decimals,
      Map<String, Long> dates) {
    /** Share of rows with a value (not null, not blank), 0..1. */
    double completeness(final long rows) {
      return rows == 0 ? 1 : (rows - nulls - Math.max(0, blanks)) / (double) rows;
    }
  }

  final String table;
  long rows;
  final List<Column> columns = new ArrayList<>();

  private TableProfile(final String table) {
    this.table = table;
  }

  /**
   * Profiles {@code schema.table}.
   *
   * @param dateFormats per column, the date and timestamp formats the mapping reads it with (Java patterns)
   */
  static TableProfile of(final Connection c, final String qualified, final Map<String, Set<String>> dateFormats)
      throws SQLException {
    final TableProfile p = new TableProfile(qualified);
    final Map<String, String> types = new LinkedHashMap<>();
    final String[] parts = qualified.split("\\.", 2);
    try (ResultSet rs = c.getMetaData().getColumns(null, parts[0], parts[1], null)) {
      while (rs.next()) {
        types.put(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME").toLowerCase(Locale.ROOT));
      }
    }
    if (types.isEmpty()) {
      throw new SQLException("legacy table " + qualified + " not found");
    }
    final Set<String> ordered = ownMinMax(c, qualified);
    final Set<String> sortable = sortable(c, qualified);
    final List<String> select = new ArrayList<>(List.of("count(*)"));
    for (final var e : types.entrySet()) {
      final String q = quote(e.getKey());
      final String type = e.getValue();
      select.add("count(" + q + ")");
      final boolean sorts = sortable.contains(e.getKey());
      select.add(sorts ? "count(DISTINCT " + q + ")" : "-1");
      select.add(extreme("min", q, type, sorts, ordered.contains(e.getKey())));
      select.add(extreme("max", q, type, sorts, ordered.contains(e.getKey())));
      if (text(type)) {
        select.add("count(*) FILTER (WHERE btrim(" + q + ") = '')");
        select.add("min(length(" + q + "))");
        select.add("max(length(" + q + "))");
        select.add("avg(length(" + q + "))");
        select.add("count(*) FILTER (WHERE " + q + " ~ '" + INTEGER + "')");
        select.add("count(*) FILTER (WHERE " + q + " ~ '" + DECIMAL + "')");
        final List<String> formats = new ArrayList<>(dateFormats.getOrDefault(e.getKey(), Set.of()));
        select.add("count(*) FILTER (WHERE " + q + " ~ '" + ISO_DATE + "')");
        for (final String f : formats) {
          select.add("count(*) FILTER (WHERE " + q + " ~ '" + DateFormats.regex(f).replace("'", "''") + "')");
        }
      }
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + quoted(qualified))) {
      rs.next();
      int i = 1;
      p.rows = rs.getLong(i++);
      for (final var e : types.entrySet()) {
        final long present = rs.getLong(i++);
        final long distinct = rs.getLong(i++);
        final String min = rs.getString(i++);
        final String max = rs.getString(i++);
        long blanks = -1;
        long minLength = -1;
        long maxLength = -1;
        double avgLength = -1;
        long integers = -1;
        long decimals = -1;
        final Map<String, Long> dates = new LinkedHashMap<>();
        if (text(e.getValue())) {
          blanks = rs.getLong(i++);
          minLength = rs.getLong(i++);
          maxLength = rs.getLong(i++);
          avgLength = rs.getDouble(i++);
          integers = rs.getLong(i++);
          decimals = rs.getLong(i++);
          dates.put("yyyy-MM-dd", rs.getLong(i++));
          for (final String f : dateFormats.getOrDefault(e.getKey(), Set.of())) {
            dates.put(f, rs.getLong(i++));
          }
        }
        p.columns.add(new Column(e.getKey(), e.getValue(), p.rows - present, blanks, distinct, min, max, minLength,
            maxLength, avgLength, sortable.contains(e.getKey()) ? top(c, qualified, e.getKey()) : List.of(), integers,
            decimals, dates));
      }
    }
    return p;
  }

  private static List<Frequent> top(final Connection c, final String qualified, final String column)
      throws SQLException {
    final List<Frequent> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + quote(column) + "::text, "
        + "count(*) FROM " + quoted(qualified) + " WHERE " + quote(column) + " IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 "
        + "LIMIT " + TOP)) {
      while (rs.next()) {
        out.add(new Frequent(rs.getString(1), rs.getLong(2)));
      }
    }
    return out;
  }

  private static boolean text(final String type) {
    return type.equals("text") || type.equals("varchar") || type.equals("bpchar") || type.equals("char")
        || type.equals("name") || type.equals("citext");
  }

  /**
   * {@code fn} ({@code min} or {@code max}) of column {@code q} as text: by its type's own order where PostgreSQL has
   * the aggregate for it ({@code own}), else by the value's text (a {@code uuid} has an order but no {@code min}, nor
   * have {@code bytea} and {@code pg_lsn}: the audit stopped at the first such column, "function min(uuid) does not
   * exist"); none for a type whose text has no useful order (JSON, XML, arrays, geometry) or only two values.
   */
  private static String extreme(final String fn, final String q, final String type, final boolean sorts,
      final boolean own) {
    if (!sorts || type.equals("bool") || type.equals("jsonb")) {
      return "NULL";
    }
    return own ? fn + "(" + q + ")::text" : fn + "(" + q + "::text)";
  }

  /** Types PostgreSQL has {@code min} and {@code max} for, by their catalog names. */
  private static final Set<String> OWN_MIN_MAX = Set.of("int2", "int4", "int8", "float4", "float8", "numeric", "money",
      "text", "varchar", "bpchar", "char", "name", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
      "oid", "inet", "cidr", "citext");

  /** The columns of {@code qualified} whose type (a domain's base type) has {@code min} and {@code max}, enums too. */
  private static Set<String> ownMinMax(final Connection c, final String qualified) throws SQLException {
    final Set<String> out = new java.util.HashSet<>();
    try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT a.attname, b.typname, b.typtype FROM pg_attribute a "
        + "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype "
        + "ELSE t.oid END WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, quoted(qualified));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (OWN_MIN_MAX.contains(rs.getString(2)) || "e".equals(rs.getString(3))) {
            out.add(rs.getString(1));
          }
        }
      }
    }
    return out;
  }

  /**
   * The columns of {@code qualified} whose values PostgreSQL can sort, and so count distinct ({@code count(DISTINCT)}
   * sorts): a type (a domain's base type) with a default btree operator class, its own or that of a type it is
   * binary-coercible to ({@code varchar} sorts as {@code text}), an enum, a range. Not json, xml,
   * geometric types, {@code xid}, composite types or arrays. Read from the catalog: a list of type names missed
   * {@code xid}, and the whole audit stopped at the first table with one ("could not identify an ordering operator
   * for type xid", a sandbox of odd types).
   */
  private static Set<String> sortable(final Connection c, final String qualified) throws SQLException {
    final Set<String> out = new java.util.HashSet<>();
    try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_attribute a "
        + "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype "
        + "ELSE t.oid END WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped "
        + "AND (b.typtype IN ('e', 'r', 'm') OR EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod "
        + "WHERE m.amname = 'btree' AND o.opcdefault AND (o.opcintype = b.oid OR o.opcintype IN (SELECT k.casttarget "
        + "FROM pg_cast k WHERE k.castsource = b.oid AND k.castmethod = 'b'))))")) {
      ps.setString(1, quoted(qualified));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

}
