package dev.ferry.sink;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Sorts database errors by kind. Transient ones (the connection, the server restarting, a deadlock or
 * serialization failure, a lock wait timeout, running out of resources) go away by themselves and are
 * retried, never dead-lettered; so is a target that does not fit (a broken deployment, see
 * {@link #isBrokenDeployment}); everything else is a property of the record (a constraint, bad data) and
 * is isolated to that record. PostgreSQL is read by SQLSTATE; MariaDB, whose SQLSTATE is often the
 * generic {@code HY000}, also by its error number.
 */
final class DatabaseErrors {
  /**
   * PostgreSQL states that go away with a new connection or a new try: serialization failure, deadlock, lock not
   * available, the server shutting down or restarting, the session ended by the server for a timeout an
   * administrator set (57P05 idle session, PostgreSQL 14; 25P03 idle in transaction; 25P04 transaction, 17: each ends
   * the session, which a new one replaces), query cancelled, I/O error, internal error.
   */
  private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "57P01", "57P02", "57P03",
      "57P05", "25P03", "25P04", "57014", "58030", "XX000");
  /**
   * MariaDB error numbers: 1040 too many connections, 1053 server shutdown, 1205 lock wait timeout,
   * 1213 deadlock, 1927 connection killed, 1317 query interrupted, 2006/2013 server gone. A transaction too large
   * for the target is transient too ({@link #isTooLarge}).
   */
  private static final Set<Integer> TRANSIENT_MARIADB = Set.of(1040, 1053, 1205, 1213, 1927, 1317, 2006, 2013);
  /**
   * MariaDB error numbers of a foreign-key violation: 1452/1216 (the referenced row is missing),
   * 1451/1217 (a row that references this one is still there).
   */
  private static final Set<Integer> MISSING_REFERENCE_MARIADB = Set.of(1452, 1216, 1451, 1217);
  /** MariaDB error numbers of a value a unique key already holds: 1062 duplicate entry, 1586 the same with a key name. */
  private static final Set<Integer> UNIQUE_CLASH_MARIADB = Set.of(1062, 1586);

  /**
   * MariaDB error numbers of a target that does not fit: 1146 no such table, 1054 no such column, 1142/1143 a
   * command or column denied, 1044 no access to the database.
   */
  private static final Set<Integer> BROKEN_DEPLOYMENT_MARIADB = Set.of(1146, 1054, 1142, 1143, 1044);

  /**
   * MariaDB error numbers of a server or transaction that takes no writes: 1290 the server runs with
   * {@code --read-only} (the option that prevents the statement), 1792 a read-only transaction.
   */
  private static final Set<Integer> READ_ONLY_MARIADB = Set.of(1290, 1792);

  private DatabaseErrors() {
  }

  /**
   * Whether the sink waits and retries instead of isolating the record: transient, a broken deployment, or a target
   * that takes no writes.
   */
  static boolean isRetried(final SQLException e) {
    return isTransient(e) || isBrokenDeployment(e) || isReadOnly(e);
  }

  /**
   * The target takes no writes at all: a read-only session or database ({@code default_transaction_read_only}), a
   * standby the sink was pointed at (a failover that went the wrong way), MariaDB's {@code read_only}; PostgreSQL
   * reports it as 25006. Every row would be refused alike, so it is the target's state, not a record's: isolated
   * row by row it would send the whole stream to the dead-letter topic. The sink pauses and retries, loudly.
   */
  static boolean isReadOnly(final SQLException e) {
    return anyInChain(e, x -> "25006".equals(x.getSQLState())
        || isMariaDb(x) && READ_ONLY_MARIADB.contains(x.getErrorCode()));
  }

  /**
   * The target does not fit what the sink writes: a table or column missing, a privilege not granted, a table
   * without a primary key (SQLSTATE class 42; MariaDB by number as well). That is a broken deployment, not a bad
   * record: every record of the table would be refused alike, and dead-lettering them would empty a whole table
   * into the dead-letter topic. The sink pauses and retries, loudly, until an operator fixes the target.
   */
  static boolean isBrokenDeployment(final SQLException e) {
    return anyInChain(e, x -> x.getSQLState() != null && x.getSQLState().startsWith("42")
        || isMariaDb(x) && BROKEN_DEPLOYMENT_MARIADB.contains(x.getErrorCode()));
  }

  /**
   * The target refused the work for a limit of its own that a smaller transaction stays under: PostgreSQL out of
   * memory or of shared memory (the lock table: a transaction touching many partitions, tables or indexes; 53200),
   * a statement too complex (54001), MariaDB's lock table (1206) or a transaction larger than its binlog cache
   * (1197). Retried like any transient error, but the same work would be refused again each time: after a few
   * tries the sink applies it in smaller transactions ({@link BatchSplit}).
   */
  static boolean isTooLarge(final SQLException e) {
    return anyInChain(e, x -> "53200".equals(x.getSQLState()) || "54001".equals(x.getSQLState())
        || isMariaDb(x) && (x.getErrorCode() == 1206 || x.getErrorCode() == 1197));
  }

  static boolean isTransient(final SQLException e) {
    if (isTooLarge(e)) {
      return true;
    }
    for (SQLException x = e; x != null; x = x.getNextException()) {
      // a driver may wrap the server's error (MariaDB's batch exceptions hold a deadlock as their cause)
      if (x.getCause() instanceof SQLException cause && cause != x && isTransient(cause)) {
        return true;
      }
      if (x instanceof SQLTransientException || x instanceof SQLRecoverableException) {
        return true;
      }
      if (isMariaDb(x) && TRANSIENT_MARIADB.contains(x.getErrorCode())) {
        return true;
      }
      final String state = x.getSQLState();
      if (state == null) {
        return x.getCause() instanceof java.io.IOException;
      }
      if (state.startsWith("08") || state.startsWith("53") || TRANSIENT_STATES.contains(state)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A foreign-key violation: the row this one references is not in the target yet, or (a delete) a row
   * that references this one is still there. Either usually resolves itself when the other row's change,
   * written on another partition, arrives; PostgreSQL reports both as 23503.
   */
  static boolean isMissingReference(final SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if ("23503".equals(x.getSQLState())
          || isMariaDb(x) && MISSING_REFERENCE_MARIADB.contains(x.getErrorCode())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The target aborted the work in a conflict with another transaction: a deadlock, a serialization failure, a lock
   * waited for too long. Transient (retried), but not the target being down: the sink's own writers meet so when a
   * unique value moves between rows they write at the same time (each waits for the other's value).
   */
  static boolean isConflict(final SQLException e) {
    return anyInChain(e, x -> "40001".equals(x.getSQLState()) || "40P01".equals(x.getSQLState())
        || isMariaDb(x) && (x.getErrorCode() == 1213 || x.getErrorCode() == 1205));
  }

  /**
   * A unique constraint refused the row: another target row holds the value. The sink writes a row by its primary
   * key, so the clash is on another unique key, and it often resolves itself: the legacy database moved the value
   * from that row to this one, and the other row's change, keyed apart and so written on another partition, has not
   * arrived yet. PostgreSQL reports it as 23505.
   */
  static boolean isUniqueClash(final SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if ("23505".equals(x.getSQLState()) || isMariaDb(x) && UNIQUE_CLASH_MARIADB.contains(x.getErrorCode())) {
        return true;
      }
    }
    return false;
  }

  /**
   * An integrity constraint (SQLSTATE class 23) refused the work as a whole. The sink's own statements isolate such
   * refusals to their rows; one that reaches the end of the work came from the commit: a constraint the target
   * checks only then ({@code DEFERRABLE INITIALLY DEFERRED}), which names no row the sink could dead-letter.
   */
  static boolean isIntegrityViolation(final SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("23");
  }

  /**
   * Whether {@code test} holds for {@code e}, an exception chained after it, or one a driver wrapped in either
   * (MariaDB's batch exceptions hold the server's error as their cause).
   */
  private static boolean anyInChain(final SQLException e, final Predicate<SQLException> test) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x.getCause() instanceof SQLException cause && cause != x && anyInChain(cause, test) || test.test(x)) {
        return true;
      }
    }
    return false;
  }

  /** pgjdbc leaves the vendor error code at 0; MariaDB Connector/J sets its error number. */
  private static boolean isMariaDb(final SQLException e) {
    return e.getErrorCode() != 0;
  }
}
