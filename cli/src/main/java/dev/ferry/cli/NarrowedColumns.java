package dev.ferry.cli;

import dev.ferry.config.ConfigProblem;
import dev.ferry.processor.mapping.ColumnMapping;
import dev.ferry.processor.mapping.TableMapping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fields copied as they are ({@code type: as-is}) into a target column that keeps fewer digits than the legacy
 * column: a {@code numeric(12,4)} into a {@code numeric(10,2)}, a {@code timestamp} (microseconds) into a MariaDB
 * {@code DATETIME} (whole seconds) or a {@code timestamp(0)}. Both databases round such a value as they store it and
 * say nothing: no error, no dead letter, and reconcile compares values as the target column holds them, so the loss
 * was nowhere to be seen. {@code ferry check} refuses such a field, naming both columns and the ways on: declare the
 * rounding in the mapping ({@code type: decimal, scale: 2}; a declared type is the mapping's own decision and is not
 * checked here), or widen the target column.
 *
 * <p>Read from {@code information_schema.columns}, which PostgreSQL and MariaDB both have. A legacy {@code numeric}
 * without a declared scale holds any number of digits and is not checked (the audit's profile shows what it holds);
 * the sink dead-letters each of its values that the target column would round ({@code sink.scale}).
 */
final class NarrowedColumns {
  private NarrowedColumns() {
  }

  /** A column's type as the catalog names it, its declared decimal scale and its fractional seconds, where fixed. */
  private record Digits(String type, Integer scale, Integer fraction) {
    boolean decimal() {
      return type.equals("numeric") || type.equals("decimal");
    }

    boolean temporal() {
      return type.startsWith("timestamp") || type.startsWith("time ") || type.equals("time")
          || type.equals("datetime");
    }
  }

  /** Adds to {@code out} a problem for each of {@code t}'s as-is fields whose target column keeps fewer digits. */
  static void check(final TableMapping t, final Connection legacy, final Connection target,
      final List<ConfigProblem> out) throws SQLException {
    final Map<String, Digits> source = read(legacy, t.sourceTable());
    final Map<String, Digits> sink = read(target, t.targetTable());
    for (final ColumnMapping f : t.columns()) {
      final String from = f.sourceColumn();
      if (from == null || !"as-is".equals(f.type())) {
        continue;
      }
      final Digits s = find(source, from);
      final Digits d = find(sink, f.target());
      if (s == null || d == null) {
        continue;
      }
      final String columns = "legacy column " + t.sourceTable() + "." + from + " and target column "
          + t.targetTable() + "." + f.target();
      if (s.decimal() && d.decimal() && s.scale() != null && d.scale() != null && s.scale() > d.scale()) {
        out.add(new ConfigProblem(f.description(), f.target(), f.origin(), columns + " keep " + s.scale() + " and "
            + d.scale() + " digits after the point: the target would round every value as it stores it, silently ("
            + example(s.scale(), d.scale()) + "). Declare the rounding ({from: " + from + ", type: decimal, scale: "
            + d.scale() + ", rounding: half-up}; rounding: unnecessary dead-letters a value that needs it), or widen "
            + "the target column"));
      } else if (s.temporal() && d.temporal() && s.fraction() != null && d.fraction() != null
          && s.fraction() > d.fraction()) {
        out.add(new ConfigProblem(f.description(), f.target(), f.origin(), columns + " keep " + s.fraction() + " and "
            + d.fraction() + " digits of a second: the target would round or cut every time as it stores it, silently"
            + (d.type().equals("datetime") || d.type().equals("timestamp") && d.fraction() == 0
            ? " (MariaDB's DATETIME and TIMESTAMP keep whole seconds unless declared DATETIME(6))" : "")
            + ". Widen the target column (" + widened(d) + "), or declare the field's type (type: timestamp), "
            + "which leaves the rounding to you"));
      }
    }
  }

  /** A value the narrower column changes: ones only, so that rounding and cutting agree. */
  private static String example(final int legacyScale, final int targetScale) {
    return "1." + "1".repeat(Math.min(legacyScale, 9)) + " is stored as 1"
        + (targetScale == 0 ? "" : "." + "1".repeat(Math.min(targetScale, 9)));
  }

  private static String widened(final Digits d) {
    return (d.type().equals("datetime") ? "DATETIME" : d.type().startsWith("time ") || d.type().equals("time")
        ? "time" : "timestamp") + "(6)";
  }

  private static Digits find(final Map<String, Digits> columns, final String name) {
    final Digits exact = columns.get(name);
    return exact != null ? exact : columns.get(name.toLowerCase(Locale.ROOT));
  }

  /** The columns of {@code qualified} ({@code schema.table}, or a table in the connection's own schema). */
  private static Map<String, Digits> read(final Connection c, final String qualified) throws SQLException {
    final int dot = qualified.indexOf('.');
    final Map<String, Digits> out = new HashMap<>();
    // as MappingSchemaCheck's catalog queries: the connection's own schema (MariaDB: database) when none is named
    try (PreparedStatement ps = c.prepareStatement("SELECT column_name, data_type, numeric_scale, "
        + "datetime_precision FROM information_schema.columns WHERE table_schema = coalesce(?, "
        + (MappingSchemaCheck.isPostgres(c) ? "current_schema()" : "database()") + ") AND table_name = ?")) {
      ps.setString(1, dot < 0 ? null : qualified.substring(0, dot));
      ps.setString(2, dot < 0 ? qualified : qualified.substring(dot + 1));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new Digits(rs.getString(2).toLowerCase(Locale.ROOT),
              rs.getObject(3, Integer.class), rs.getObject(4, Integer.class)));
        }
      }
    }
    return out;
  }
}
