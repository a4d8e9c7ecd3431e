package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {
  @Test
  void connectionRestartDeadlockAndSerializationAreTransient() {
    assertThat(DatabaseErrors.isTransient(new SQLException("conn", "08006"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("shutdown", "57P01"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("deadlock", "40P01"))).isTrue();
    assertThat(DatabaseErrors.isTransient(new SQLException("serialization", "40001"))).isTrue();
    // the server ended an idle session (idle_session_timeout): a new connection replaces it
    assertThat(DatabaseErrors.isTransient(new SQLException("terminating connection due to idle-session timeout",
        "57P05"))).isTrue();
  }

  @Test
  void aDeadlockWrappedByTheDriverIsStillTransient() {
    // MariaDB Connector/J: a batch exception in the generic state, the server's deadlock (1213) as its cause
    final java.sql.BatchUpdateException batch = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("Deadlock found when trying to get lock", "40001", 1213));
    assertThat(DatabaseErrors.isTransient(batch)).isTrue();
    final java.sql.BatchUpdateException check = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("CONSTRAINT `item_qty_check` failed", "23000", 4025));
    assertThat(DatabaseErrors.isTransient(check)).isFalse();
  }

  @Test
  void aTransactionTooLargeForTheTargetIsRetriedAndKnownAsSuch() {
    final SQLException locks = new SQLException("out of shared memory", "53200");
    assertThat(DatabaseErrors.isTransient(locks)).isTrue();
    assertThat(DatabaseErrors.isTooLarge(locks)).isTrue();
    assertThat(DatabaseErrors.isTooLarge(new SQLException("statement too complex", "54001"))).isTrue();
    // MariaDB: the lock table and the binlog cache, in the generic state, wrapped in a batch exception
    final java.sql.BatchUpdateException lockTable = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("The total number of locks exceeds the lock table size", "HY000", 1206));
    assertThat(DatabaseErrors.isTransient(lockTable)).isTrue();
    assertThat(DatabaseErrors.isTooLarge(lockTable)).isTrue();
    assertThat(DatabaseErrors.isTooLarge(new SQLException("binlog cache", "HY000", 1197))).isTrue();
    // the target down, or disk full, is not the transaction's size: halving would not help
    assertThat(DatabaseErrors.isTooLarge(new SQLException("conn", "08006"))).isFalse();
    assertThat(DatabaseErrors.isTooLarge(new SQLException("disk full", "53100"))).isFalse();
  }

  @Test
  void constraintAndDataErrorsArePermanent() {
    assertThat(DatabaseErrors.isTransient(new SQLException("check", "23514"))).isFalse();
    assertThat(DatabaseErrors.isTransient(new SQLException("unique", "23505"))).isFalse();
    assertThat(DatabaseErrors.isTransient(new SQLException("bad number", "22P02"))).isFalse();
  }

  @Test
  void aMissingTableColumnOrPrivilegeIsABrokenDeploymentRetriedNotARecordToDeadLetter() {
    assertThat(DatabaseErrors.isBrokenDeployment(new SQLException("no column note", "42703"))).isTrue();
    assertThat(DatabaseErrors.isBrokenDeployment(new SQLException("no table", "42P01"))).isTrue();
    assertThat(DatabaseErrors.isBrokenDeployment(new SQLException("permission denied", "42501"))).isTrue();
    // MariaDB: unknown column, by number, inside a batch exception in the generic state
    final java.sql.BatchUpdateException batch = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("Unknown column 'note' in 'field list'", "42S22", 1054));
    assertThat(DatabaseErrors.isBrokenDeployment(batch)).isTrue();
    assertThat(DatabaseErrors.isRetried(batch)).isTrue();
    assertThat(DatabaseErrors.isBrokenDeployment(new SQLException("unique", "23505"))).isFalse();
    assertThat(DatabaseErrors.isRetried(new SQLException("bad number", "22P02"))).isFalse();
  }

  @Test
  void aTargetThatTakesNoWritesIsRetriedNotARecordToDeadLetter() {
    assertThat(DatabaseErrors.isReadOnly(new SQLException("cannot execute INSERT in a read-only transaction",
        "25006"))).isTrue();
    // MariaDB with read_only on, by number, inside a batch exception in the generic state
    final java.sql.BatchUpdateException batch = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("The MariaDB server is running with the --read-only option", "HY000", 1290));
    assertThat(DatabaseErrors.isReadOnly(batch)).isTrue();
    assertThat(DatabaseErrors.isRetried(batch)).isTrue();
    assertThat(DatabaseErrors.isReadOnly(new SQLException("check", "23514"))).isFalse();
    assertThat(DatabaseErrors.isRetried(new SQLException("check", "23514"))).isFalse();
  }

  @Test
  void aConstraintRefusalIsAnIntegrityViolationAndNothingElseIs() {
    assertThat(DatabaseErrors.isIntegrityViolation(new SQLException("unique at commit", "23505"))).isTrue();
    assertThat(DatabaseErrors.isIntegrityViolation(new SQLException("foreign key at commit", "23503"))).isTrue();
    assertThat(DatabaseErrors.isIntegrityViolation(new SQLException("deadlock", "40P01"))).isFalse();
    assertThat(DatabaseErrors.isIntegrityViolation(new SQLException("no column", "42703"))).isFalse();
    assertThat(DatabaseErrors.isIntegrityViolation(new SQLException("no state"))).isFalse();
  }

  @Test
  void aValueAnotherRowHoldsUnderAUniqueKeyIsAClashThatMayResolveAndNoOtherRefusalIs() {
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("duplicate key value violates unique constraint",
        "23505"))).isTrue();
    // MariaDB reports every constraint in 23000; the error number tells a duplicate entry from the rest
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("Duplicate entry 'ann@example.com' for key "
        + "'customer_email'", "23000", 1062))).isTrue();
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("CONSTRAINT `item_qty_check` failed", "23000", 4025)))
        .isFalse();
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("foreign key", "23503"))).isFalse();
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("check", "23514"))).isFalse();
    assertThat(DatabaseErrors.isUniqueClash(new SQLException("exclusion", "23P01"))).isFalse();
  }

  @Test
  void aDeadlockOrASerializationFailureIsAConflictNotAnOutage() {
    assertThat(DatabaseErrors.isConflict(new SQLException("deadlock detected", "40P01"))).isTrue();
    assertThat(DatabaseErrors.isConflict(new SQLException("could not serialize", "40001"))).isTrue();
    final java.sql.BatchUpdateException batch = new java.sql.BatchUpdateException("batch failed", "HY000", 0,
        new int[0], new SQLException("Deadlock found when trying to get lock", "40001", 1213));
    assertThat(DatabaseErrors.isConflict(batch)).isTrue();
    assertThat(DatabaseErrors.isConflict(new SQLException("Lock wait timeout exceeded", "HY000", 1205))).isTrue();
    assertThat(DatabaseErrors.isConflict(new SQLException("conn", "08006"))).isFalse();
    assertThat(DatabaseErrors.isConflict(new SQLException("shutdown", "57P01"))).isFalse();
    assertThat(DatabaseErrors.isConflict(new SQLException("unique", "23505"))).isFalse();
  }
}
