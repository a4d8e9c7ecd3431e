package dev.ferry.sink;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.SQLRecoverableException;
import java.util.Set;

/**
 * Sorts database errors by kind. Transient ones (the connection, the server restarting, a deadlock or
 * serialization failure, running out of resources) go away by themselves and are retried, never
 * dead-lettered; everything else is a property of the record (a constraint, bad data) and is isolated
 * to that record.
 */
final class DatabaseErrors {
  private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "57P01", "57P02", "57P03",
      "57014", "58030", "XX000");

  private DatabaseErrors() {
  }

  static boolean isTransient(final SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x instanceof SQLTransientException || x instanceof SQLRecoverableException) {
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
}
