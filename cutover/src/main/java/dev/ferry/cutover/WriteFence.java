package dev.ferry.cutover;

import dev.ferry.connector.LegacyRows;
import dev.ferry.schemas.PostgresSessions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A fence against application writes on the tables a direction captures ({@code ferry cutover --fence}): a
 * statement trigger on each table (and each of its partitions) refuses {@code INSERT}, {@code UPDATE}, {@code DELETE}
 * and {@code TRUNCATE} with {@code read_only_sql_transaction} (SQLSTATE 25006), naming the table and the cutover run,
 * unless the session carries {@link PostgresSessions#FENCE_PASS}, which Ferry's sinks set.
 *
 * <p>Why: {@code --writers-stopped} is the operator's word, and a writer nobody stopped (a job, a second instance)
 * went on writing. With the fence, Ferry stops it: the fence is raised in one transaction, whose {@code CREATE TRIGGER}
 * waits until every open transaction that wrote one of the tables has ended, so once it commits no application write
 * can come after the position the freeze then records. It stays after the flip, while the other side leads: the
 * drained side is the fallback, written by Ferry's sink alone, and a write of its old application there would be lost
 * at the next flip or overwritten. A flip to the fenced side lifts it ({@link #lift}), as does {@code ferry cutover
 * --unfence}, which gives a cutover up.
 *
 * <p>What it does not stop: a session that sets {@code ferry.writer} itself, a superuser with
 * {@code session_replication_role = replica} (triggers do not fire), or someone who drops the trigger; the flip's
 * check for writes after the freeze ({@link WritesAfterFreeze}) still looks for those.
 */
final class WriteFence {
  /** The trigger's and its function's name. */
  static final String NAME = "ferry_fence";
  /** How long raising the fence waits for a table's open writers before it gives up and names them. */
  static final int LOCK_WAIT_SECONDS = 10;

  /** The fence could not be raised: what stood in the way, in the operator's words. */
  static final class Refused extends Exception {
    Refused(final String message) {
      super(message);
    }
  }

  private WriteFence() {
  }

  /**
   * Raises the fence on {@code tables} ({@code schema.table}, as captured) and their partitions, in one transaction;
   * a table fenced already (the same run resumed) keeps its fence. Returns the tables fenced.
   *
   * @throws Refused when an open transaction held a table longer than {@link #LOCK_WAIT_SECONDS} (the sessions are
   *     named); nothing is fenced then
   */
  static List<String> raise(final Connection c, final List<String> tables, final String runId)
      throws SQLException, Refused {
    return raise(c, tables, runId, LOCK_WAIT_SECONDS);
  }

  /** {@link #raise(Connection, List, String)}, waiting at most {@code lockWaitSeconds} for a table's writers. */
  static List<String> raise(final Connection c, final List<String> tables, final String runId,
      final int lockWaitSeconds) throws SQLException, Refused {
    final Map<String, String> relations = withPartitions(c, tables);
    final Map<String, Boolean> triggers = triggers(c, relations.keySet());
    inTransaction(c, lockWaitSeconds + "s", s -> {
      for (final String schema : new LinkedHashSet<>(relations.values())) {
        s.execute(function(schema, runId));
      }
      // both take SHARE ROW EXCLUSIVE: they wait for the table's open writers and block new ones until the commit,
      // and let readers be
      for (final Map.Entry<String, String> r : relations.entrySet()) {
        final Boolean enabled = triggers.get(r.getKey());
        if (enabled == null) {
          s.execute("CREATE TRIGGER " + NAME + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + r.getKey()
              + " FOR EACH STATEMENT EXECUTE PROCEDURE " + LegacyRows.quote(r.getValue()) + "." + NAME + "()");
        } else if (!enabled) {
          s.execute("ALTER TABLE " + r.getKey() + " ENABLE TRIGGER " + NAME);
        }
      }
    }, relations.keySet(), "they are the application's writes, or a stuck session");
    return List.copyOf(relations.keySet());
  }

  /**
   * Lifts the fence from {@code tables} and their partitions where it stands; returns the tables it stood on. The
   * triggers are disabled first, which readers do not wait for ({@code DROP TRIGGER} takes the table's strongest lock:
   * an application's session idle in a transaction that read the table held it up, and every new reader queued
   * behind it); then each is dropped only if its table is free at that moment, else it stays, disabled.
   *
   * @throws Refused when a writer (Ferry's sink) held a table longer than {@link #LOCK_WAIT_SECONDS}
   */
  static List<String> lift(final Connection c, final List<String> tables) throws SQLException, Refused {
    final List<String> fenced = fenced(c, tables);
    if (fenced.isEmpty()) {
      return fenced;
    }
    inTransaction(c, LOCK_WAIT_SECONDS + "s", s -> {
      for (final String table : fenced) {
        s.execute("ALTER TABLE " + table + " DISABLE TRIGGER " + NAME);
      }
    }, new LinkedHashSet<>(fenced), "Ferry's sink writing, or a stuck session");
    for (final String table : fenced) {
      try {
        inTransaction(c, "100ms", s -> s.execute("DROP TRIGGER IF EXISTS " + NAME + " ON " + table), Set.of(table),
            "");
      } catch (Refused busy) {
        // read right now: the disabled trigger stays, harmless; the next raise enables it again
      }
    }
    return fenced;
  }

  /** Which of {@code tables} and their partitions carry the fence now (an enabled trigger). */
  static List<String> fenced(final Connection c, final List<String> tables) throws SQLException {
    final List<String> out = new ArrayList<>();
    triggers(c, withPartitions(c, tables).keySet()).forEach((table, enabled) -> {
      if (enabled) {
        out.add(table);
      }
    });
    return out;
  }

  /** The fence's trigger on each of {@code relations} (quoted names) that has one: whether it is enabled. */
  private static Map<String, Boolean> triggers(final Connection c, final Set<String> relations) throws SQLException {
    final Map<String, Boolean> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT tgenabled <> 'D' FROM pg_trigger "
        + "WHERE tgrelid = ?::regclass AND tgname = ?")) {
      for (final String table : relations) {
        ps.setString(1, table);
        ps.setString(2, NAME);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            out.put(table, rs.getBoolean(1));
          }
        }
      }
    }
    return out;
  }

  /** Work on a statement, in a transaction. */
  private interface Work {
    void on(Statement s) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction that waits at most {@code lockTimeout} for a lock; a lock not granted in time
   * becomes a {@link Refused} naming the sessions that hold {@code relations}, {@code likely} saying what they are.
   */
  private static void inTransaction(final Connection c, final String lockTimeout, final Work work,
      final Set<String> relations, final String likely) throws SQLException, Refused {
    final boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '" + lockTimeout + "'");
      work.on(s);
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      if (!"55P03".equals(e.getSQLState())) {
        throw e;
      }
      throw new Refused("sessions held " + String.join(", ", relations) + " for more than " + lockTimeout + ": "
          + holders(c, relations) + "; end them (" + likely + "), then run the same command again");
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * The refusing function, in {@code schema}, naming cutover {@code runId} (replaced by each raise, so that a fence
   * enabled again names its run): a session with {@link PostgresSessions#FENCE_PASS} set passes.
   */
  static String function(final String schema, final String runId) {
    return "CREATE OR REPLACE FUNCTION " + LegacyRows.quote(schema) + "." + NAME
        + "() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        + "BEGIN\n"
        + "  IF coalesce(current_setting('" + PostgresSessions.FENCE_PASS + "', true), '') <> '' THEN\n"
        + "    RETURN NULL;\n"
        + "  END IF;\n"
        + "  RAISE EXCEPTION 'ferry: %.% is fenced by cutover %: the application that wrote it must not any more',\n"
        + "    TG_TABLE_SCHEMA, TG_TABLE_NAME, " + literal(runId) + " USING ERRCODE = 'read_only_sql_transaction',\n"
        + "    HINT = 'Ferry keeps this database in step with the other system, which leads now; a flip back to this "
        + "side (ferry cutover) or ferry cutover --unfence lifts the fence';\n"
        + "END\n"
        + "$f$";
  }

  /**
   * {@code tables} and every partition under them (a write to a partition by its own name fires only its own
   * triggers), as quoted names, each with its schema; a table that does not exist is left to the preflight.
   */
  private static Map<String, String> withPartitions(final Connection c, final List<String> tables)
      throws SQLException {
    final Map<String, String> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement("WITH RECURSIVE t(oid) AS ("
        + "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE n.nspname = ? AND c.relname = ? "
        + "UNION SELECT i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid) "
        + "SELECT format('%I.%I', n.nspname, c.relname), n.nspname FROM t JOIN pg_class c ON c.oid = t.oid "
        + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') ORDER BY c.oid")) {
      for (final String table : tables) {
        final int dot = table.indexOf('.');
        ps.setString(1, table.substring(0, dot));
        ps.setString(2, table.substring(dot + 1));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.put(rs.getString(1), rs.getString(2));
          }
        }
      }
    }
    return out;
  }

  /**
   * What keeps the session's user from fencing {@code tables}, in the operator's words; null when nothing does (it owns
   * each table and partition, or is a member of its owner's role, so that it can lift the fence as well as raise it,
   * and may create the function in their schemas).
   */
  static String denied(final Connection c, final List<String> tables) throws SQLException {
    final Map<String, String> relations = withPartitions(c, tables);
    final List<String> out = new ArrayList<>();
    // TRIGGER creates a trigger, but only the table's owner may disable or drop one: a user with the privilege alone
    // could raise the fence and never lift it
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(c.relowner, 'MEMBER') "
        + "AND has_schema_privilege(?, 'CREATE') FROM pg_class c WHERE c.oid = ?::regclass")) {
      for (final Map.Entry<String, String> r : relations.entrySet()) {
        ps.setString(1, r.getValue());
        ps.setString(2, r.getKey());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || !rs.getBoolean(1)) {
            out.add(r.getKey());
          }
        }
      }
    }
    return out.isEmpty() ? null : "the capture's user may not fence " + String.join(", ", out) + ": it must own those "
        + "tables (or be a member of their owner's role: lifting the fence takes that) and have CREATE on their "
        + "schemas; or stop the application yourself and use --writers-stopped";
  }

  /** The other sessions holding locks on {@code relations}, for the operator: pid, application, state, since when. */
  private static String holders(final Connection c, final Set<String> relations) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT a.pid, a.application_name, a.state, "
        + "a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.granted "
        + "AND l.relation = ANY (?::regclass[]) AND a.pid <> pg_backend_pid() ORDER BY a.xact_start")) {
      final Array names = c.createArrayOf("text", relations.toArray());
      ps.setArray(1, names);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(String.format(Locale.ROOT, "pid %d (%s, %s, in a transaction since %s)", rs.getInt(1),
              rs.getString(2) == null || rs.getString(2).isEmpty() ? "no application name" : rs.getString(2),
              rs.getString(3), rs.getTimestamp(4)));
        }
      }
    }
    return out.isEmpty() ? "they ended meanwhile" : String.join("; ", out);
  }

  private static String literal(final String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
