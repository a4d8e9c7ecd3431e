package dev.ferry.cutover;

import dev.ferry.processor.mapping.Mapping;
import dev.ferry.sink.SinkConfig;
import dev.ferry.sink.TargetTable;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sequences of the tables a direction wrote, moved past the values it wrote, before the application of that
 * database writes again. The sync writes every row with its key as the other system gave it, so a {@code serial},
 * identity or {@code DEFAULT nextval(...)} column's sequence never moves while it runs: after a cutover the new
 * system's first insert would take value 1 and clash with a synced row (and after a rollback the legacy
 * application's would clash with the new system's rows written back). For each column whose default draws on a
 * sequence (owned by it or not), a sequence whose next value is not above the column's largest is set to that largest
 * value, so that its next is the one after it; a sequence already past it is left alone (never moved back), one that
 * counts down is reported and left alone. PostgreSQL only: MariaDB's {@code AUTO_INCREMENT} moves past an explicit
 * value as it is written.
 */
public final class Sequences {
  /** Columns of a table whose default draws on a sequence: serial and {@code nextval} defaults, and identities. */
  private static final String COLUMNS = """
      SELECT a.attname, s.oid::regclass::text, q.seqincrement
      FROM pg_attrdef ad
      JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
        AND d.refclassid = 'pg_class'::regclass
      JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
      JOIN pg_sequence q ON q.seqrelid = s.oid
      WHERE ad.adrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass
      UNION
      SELECT a.attname, s.oid::regclass::text, q.seqincrement
      FROM pg_attribute a
      JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
        AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
      JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_sequence q ON q.seqrelid = s.oid
      WHERE a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND a.attidentity <> ''
      ORDER BY 1""";

  /**
   * One column's sequence as found, and what was done.
   *
   * @param largest the column's largest value; null when the table is empty or it could not be read
   * @param next the value the sequence would have given before
   * @param movedTo the value it gives next now, or null when it was left alone ({@code note} says why)
   * @param failed it should have been moved and could not be ({@code note} says why)
   */
  public record Moved(String table, String column, String sequence, Long largest, long next, Long movedTo, String note,
      boolean failed) {
    /** What was found and done, in one line. */
    public String line() {
      final String where = table + "." + column + " (" + sequence + ")";
      if (movedTo != null) {
        return String.format(Locale.ROOT, "%s: next value %,d -> %,d (the column's largest is %,d)", where, next,
            movedTo, largest);
      }
      return where + ": " + note;
    }
  }

  private Sequences() {
  }

  /**
   * The cutover's step 5 for {@code draining}: the sequences of the database it wrote, which opens for its
   * application at the flip; false when one that must move could not be moved (said on {@code out}).
   */
  static boolean step(final Leg draining, final CutoverRun run, final PrintStream out) throws Exception {
    if (!draining.sink().jdbcUrl().startsWith("jdbc:postgresql:")) {
      out.println("  not PostgreSQL: AUTO_INCREMENT moved past every value written as it was written");
      run.record(Cutover.Step.SEQUENCES, true, "not PostgreSQL", Map.of());
      return true;
    }
    final List<Moved> found = ofMapping(draining.sink(), draining.processor().mapping(), "ferry-cutover", true);
    found.forEach(m -> out.println("  " + (m.failed() ? "FAIL " : "") + m.line()));
    final long moved = found.stream().filter(m -> m.movedTo() != null).count();
    if (found.stream().anyMatch(Sequences.Moved::failed)) {
      out.println("  the application would take values the sync wrote: fix the above and run the same command again");
      run.record(Cutover.Step.SEQUENCES, false, "sequences not moved", Map.of());
      return false;
    }
    out.println("  " + (found.isEmpty() ? "no column takes its default from a sequence" : moved + " of "
        + found.size() + " sequence(s) moved"));
    run.record(Cutover.Step.SEQUENCES, true, moved + " sequence(s) moved", Map.of("moved", moved, "sequences",
        found.size()));
    return true;
  }

  /**
   * {@link #advance(Connection, List, boolean)} over the target tables of {@code mapping} in the PostgreSQL database
   * {@code sink} writes, connected as {@code who}: the cutover's step and {@code ferry sequences}.
   */
  public static List<Moved> ofMapping(final SinkConfig sink, final Mapping mapping,
      final String who, final boolean apply) throws SQLException {
    try (Connection c = sink.connect(who)) {
      c.setAutoCommit(true);
      return advance(c, mapping.tables().stream().map(t -> t.targetTable()).distinct().toList(), apply);
    }
  }

  /**
   * Moves the sequence of every sequence-fed column of {@code tables} (as the mapping names them) in the PostgreSQL
   * database {@code c} past the column's largest value.
   */
  public static List<Moved> advance(final Connection c, final List<String> tables) throws SQLException {
    return advance(c, tables, true);
  }

  /**
   * {@link #advance(Connection, List)}, or with {@code apply} false what it would do: a sequence it would move is
   * reported as moved ({@link Moved#movedTo} the value it would give next) and left as it is.
   */
  public static List<Moved> advance(final Connection c, final List<String> tables, final boolean apply)
      throws SQLException {
    final List<Moved> out = new ArrayList<>();
    for (final String qualified : tables) {
      final TargetTable table = TargetTable.read(c, qualified);
      for (final Fed fed : sequenceColumns(c, table)) {
        out.add(advance(c, table, fed.column(), fed.sequence(), fed.increment(), apply));
      }
    }
    return out;
  }

  /** A column fed by {@code sequence}, which counts by {@code increment}. */
  private record Fed(String column, String sequence, long increment) {
  }

  private static List<Fed> sequenceColumns(final Connection c, final TargetTable table) throws SQLException {
    final List<Fed> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
      ps.setString(1, table.schema());
      ps.setString(2, table.name());
      ps.setString(3, table.schema());
      ps.setString(4, table.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Fed(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }
      }
    }
    return out;
  }

  private static Moved advance(final Connection c, final TargetTable table, final String column,
      final String sequence, final long increment, final boolean apply) throws SQLException {
    final String name = table.schema() + "." + table.name();
    final long next;
    try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN is_called THEN last_value + ? ELSE last_value "
        + "END FROM " + sequence); ResultSet rs = paramQuery(ps, increment)) {
      rs.next();
      next = rs.getLong(1);
    }
    final Long largest;
    try (PreparedStatement ps = c.prepareStatement("SELECT max(" + quote(column) + ")::bigint FROM "
        + quote(table.schema()) + "." + quote(table.name())); ResultSet rs = ps.executeQuery()) {
      rs.next();
      final long v = rs.getLong(1);
      largest = rs.wasNull() ? null : v;
    } catch (SQLException e) {
      return new Moved(name, column, sequence, null, next, null, "not a whole-number column (" + e.getMessage()
          + "); left at " + next, false);
    }
    if (largest == null) {
      return new Moved(name, column, sequence, null, next, null, "the table is empty; left at " + next, false);
    }
    if (increment < 0) {
      return new Moved(name, column, sequence, largest, next, null, "counts down (increment " + increment
          + "); left at " + next + ": set it by hand if the synced values reach it", false);
    }
    if (next > largest) {
      return new Moved(name, column, sequence, largest, next, null, String.format(Locale.ROOT,
          "next value %,d is past the column's largest (%,d); left alone", next, largest), false);
    }
    if (!apply) {
      return new Moved(name, column, sequence, largest, next, largest + increment, null, false);
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, true)")) {
      ps.setString(1, sequence);
      ps.setLong(2, largest);
      ps.executeQuery().close();
    } catch (SQLException e) {
      return new Moved(name, column, sequence, largest, next, null, String.format(Locale.ROOT, "next value %,d is "
          + "not past the column's largest (%,d) and cannot be moved: %s (the database user needs UPDATE on the "
          + "sequence)", next, largest, e.getMessage()), true);
    }
    return new Moved(name, column, sequence, largest, next, largest + increment, null, false);
  }

  private static ResultSet paramQuery(final PreparedStatement ps, final long increment) throws SQLException {
    ps.setLong(1, increment);
    return ps.executeQuery();
  }

  private static String quote(final String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
