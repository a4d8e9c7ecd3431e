package dev.ferry.connector;

import dev.ferry.schemas.Relation;
import dev.ferry.schemas.TableKey;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure every detail table's deletes carry its header columns. A delete is captured with the old
 * row's <em>replica identity</em> only: by default the primary key. A detail row whose primary key does not
 * contain the columns that name its header (an invoice line with its own serial id) is then deleted
 * without saying which invoice it belonged to, so it cannot be keyed, partitioned and grouped with its
 * header: the header's delete would reach the target apart from its lines' deletes (a reader sees an
 * invoice without its lines; a foreign key refuses the header's delete). {@code REPLICA IDENTITY FULL}
 * (or an identity index holding the header columns) fixes it.
 */
public final class ReplicaIdentity {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaIdentity.class);

  private ReplicaIdentity() {
  }

  /**
   * A detail table whose deletes would lack header columns. {@code partitions}: a partitioned table's partitions
   * (qualified, quoted), whose own replica identity is the one their deletes carry: PostgreSQL does not pass a
   * partitioned table's on to them.
   */
  public record Gap(Relation relation, String identity, List<String> missing, List<String> partitions) {
    /** The statements that close the gap: the table's, then its partitions'. */
    public List<String> statements() {
      final List<String> all = new ArrayList<>();
      all.add(setFull(LegacyRows.quoted(relation.child())));
      partitions.forEach(p -> all.add(setFull(p)));
      return all;
    }

    /** {@link #statements()} as one text to run. */
    public String fix() {
      return String.join("; ", statements());
    }

    /** One sentence for the user: what is wrong, why it matters, what to do. */
    public String describe() {
      return "deletes of detail table " + relation.child() + " carry only its " + identity + ", without "
          + String.join(", ", missing) + ", so a deleted row could not be kept with its " + relation.parent()
          + " row; run " + fix() + " on the legacy database (or set connector.replica-identity: set-full)";
    }
  }

  /** The statement that gives {@code relation} (qualified, quoted where need be) {@code REPLICA IDENTITY FULL}. */
  static String setFull(final String relation) {
    return "ALTER TABLE " + relation + " REPLICA IDENTITY FULL";
  }

  /**
   * Whether table {@code qualified} has no replica identity: {@code REPLICA IDENTITY NOTHING}, or the default one
   * without a primary key. PostgreSQL refuses every UPDATE and DELETE of such a table once a publication that
   * publishes them carries it: capturing it would break the legacy application's writes (seen in a sandbox run:
   * "cannot update table because it does not have a replica identity").
   */
  public static boolean isNothing(final Connection legacy, final String qualified) throws SQLException {
    final String[] parts = qualified.split("\\.", 2);
    try (PreparedStatement ps = legacy.prepareStatement("SELECT t.relreplident = 'n' OR (t.relreplident = 'd' AND "
        + "NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary)) FROM pg_class t "
        + "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = ? AND t.relname = ?")) {
      ps.setString(1, parts[0]);
      ps.setString(2, parts[1]);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** What to tell the user about a table {@link #isNothing} found: what would break, and the statement to run. */
  public static String nothingProblem(final String qualified) {
    return "legacy table " + qualified + " has no replica identity (REPLICA IDENTITY NOTHING, or no primary key): "
        + "PostgreSQL refuses every UPDATE and DELETE of a table its publication carries without one, so capturing it "
        + "would break the legacy application's writes; give it a primary key (Ferry keys rows by it) and run ALTER "
        + "TABLE " + LegacyRows.quoted(qualified) + " REPLICA IDENTITY DEFAULT on the legacy database first, or, where "
        + "a unique index on NOT NULL columns identifies its rows, " + usingIndex(qualified);
  }

  /** The statement that makes a unique index a table's replica identity, which Ferry then keys its rows by. */
  public static String usingIndex(final String qualified) {
    return "run ALTER TABLE " + LegacyRows.quoted(qualified) + " REPLICA IDENTITY USING INDEX <that index> (Ferry "
        + "keys its rows by the index's columns)";
  }

  /**
   * The tables of {@code tables} ({@code schema.table}) that have no primary key and name a unique index as their
   * replica identity, each with that index's columns: Debezium is told to key their changes by them ({@code
   * message.key.columns}), as the direct load and the mapping check key them ({@link LegacyRows#primaryKey}).
   */
  public static Map<String, List<String>> keyedByIndex(final Connection legacy, final List<String> tables)
      throws SQLException {
    final Map<String, List<String>> out = new LinkedHashMap<>();
    for (final String qualified : tables) {
      final String[] parts = qualified.split("\\.", 2);
      final TableKey key = TableKey.captured(legacy, parts[0], parts[1]);
      final List<String> index = key.primary() ? List.of() : key.columns();
      if (!index.isEmpty()) {
        out.put(qualified, index);
      }
    }
    return out;
  }

  /** The relations whose detail table's deletes would lack header columns, as found in {@code legacy}'s catalog. */
  public static List<Gap> gaps(final Connection legacy, final List<Relation> relations) throws SQLException {
    final List<Gap> out = new ArrayList<>();
    for (final Relation r : relations) {
      final String[] parts = r.child().split("\\.", 2);
      try (PreparedStatement ps = legacy.prepareStatement("""
          SELECT c.relreplident,
                 ARRAY(SELECT a.attname::text FROM pg_index i
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                       WHERE i.indrelid = c.oid
                         AND ((c.relreplident IN ('d', 'f') AND i.indisprimary)
                              OR (c.relreplident = 'i' AND i.indisreplident))),
                 ARRAY(SELECT format('%I.%I', pn.nspname, p.relname) FROM pg_partition_tree(c.oid) t
                       JOIN pg_class p ON p.oid = t.relid JOIN pg_namespace pn ON pn.oid = p.relnamespace
                       WHERE c.relkind = 'p' AND t.relid <> c.oid AND p.relkind = 'r'),
                 EXISTS (SELECT 1 FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid
                         WHERE c.relkind = 'p' AND p.relkind = 'r' AND p.relreplident <> 'f')
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ? AND c.relname = ?""")) {
        ps.setString(1, parts[0]);
        ps.setString(2, parts[1]);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            continue; // an unknown table is the mapping check's to report
          }
          // a partitioned table set FULL whose partitions are not: their deletes carry the primary key
          final String kind = "f".equals(rs.getString(1)) && rs.getBoolean(4) ? "d" : rs.getString(1);
          if ("f".equals(kind)) {
            continue;
          }
          final List<String> partitions = Arrays.asList((String[]) rs.getArray(3).getArray());
          final Array array = rs.getArray(2);
          final List<String> identity = Arrays.asList((String[]) array.getArray());
          final List<String> missing = r.childColumns().stream().filter(col -> !identity.contains(col)).toList();
          if (!missing.isEmpty()) {
            out.add(new Gap(r, switch (kind) {
              case "d" -> identity.isEmpty() ? "nothing (no primary key)" : "primary key " + identity;
              case "i" -> "replica identity index " + identity;
              default -> "nothing (REPLICA IDENTITY NOTHING)";
            }, missing, partitions));
          }
        }
      }
    }
    return out;
  }

  /**
   * Applies {@code policy} to the gaps found: sets {@code REPLICA IDENTITY FULL} on each, or returns them
   * untouched for the caller to refuse.
   *
   * @return the gaps left (empty when none, or all were closed)
   */
  public static List<Gap> apply(final Connection legacy, final List<Relation> relations,
      final ReplicaIdentityPolicy policy) throws SQLException {
    final List<Gap> gaps = gaps(legacy, relations);
    if (policy != ReplicaIdentityPolicy.SET_FULL || gaps.isEmpty()) {
      return gaps;
    }
    for (final Gap g : gaps) {
      try (Statement s = legacy.createStatement()) {
        for (final String statement : g.statements()) {
          s.execute(statement);
        }
      }
      LOG.info("{}: deletes carried only its {}; set REPLICA IDENTITY FULL so that they name their {} row",
          g.relation().child(), g.identity(), g.relation().parent());
    }
    if (!legacy.getAutoCommit()) {
      legacy.commit();
    }
    return List.of();
  }
}
