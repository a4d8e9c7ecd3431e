package dev.ferry.sink;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the target and how work on it is retried. A transient error (the connection lost, the server
 * restarting, a deadlock) and a target that does not fit what the sink writes (a table or column missing, a
 * privilege not granted: {@link DatabaseErrors#isBrokenDeployment}) or takes no writes (read-only:
 * {@link DatabaseErrors#isReadOnly}) are waited out with a growing backoff, the
 * connection closed (which rolls the work back) and opened again; nothing is dead-lettered for them. Any other
 * error ends the work. Used by one thread at a time, its writer's.
 */
final class RetryingConnection {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingConnection.class);

  private final SinkConfig config;
  private final TargetDialect dialect;
  private final Backoff backoff;
  private final AtomicLong brokenTargetRetries;
  private Connection connection;

  RetryingConnection(final SinkConfig config, final TargetDialect dialect, final Backoff backoff,
      final AtomicLong brokenTargetRetries) {
    this.config = config;
    this.dialect = dialect;
    this.backoff = backoff;
    this.brokenTargetRetries = brokenTargetRetries;
  }

  /** How often work the target refuses for its size ({@link DatabaseErrors#isTooLarge}) is tried whole. */
  static final int TRIES_BEFORE_SPLIT = 3;

  /**
   * The target refused the same work {@value #TRIES_BEFORE_SPLIT} times for its size: the caller applies it in
   * smaller parts. The work was rolled back; nothing of it is in the target.
   */
  static final class TooLarge extends RuntimeException {
    TooLarge(final SQLException cause) {
      super(cause.getMessage(), cause);
    }

    /** The target's refusal in a line: its SQLSTATE and message, without the statement a driver puts in front. */
    String reason() {
      final SQLException sql = (SQLException) getCause();
      return "SQLSTATE " + sql.getSQLState() + ": " + TargetError.of(sql).message();
    }
  }

  /** Runs {@code work} until it succeeds or fails for a reason retrying does not cure. */
  <T> T withRetries(final TargetWork<T> work) {
    return withRetries(work, false);
  }

  /**
   * Runs {@code work} until it succeeds or fails for a reason retrying does not cure; with {@code splittable}, work
   * refused for its size {@value #TRIES_BEFORE_SPLIT} times ends in {@link TooLarge} instead of being tried again.
   */
  <T> T withRetries(final TargetWork<T> work, final boolean splittable) {
    long backoffMs = 100;
    int attempt = 0;
    boolean checkNow = false;
    while (true) {
      try {
        if (checkNow) {
          dialect.checkConstraintsNow(connection());
        }
        final T done = work.run();
        backoff.available(this);
        return done;
      } catch (SQLException | SinkDeadLetters.DeadLetterTopicUnavailable e) {
        if (e instanceof SQLException sql && !checkNow && DatabaseErrors.isIntegrityViolation(sql)) {
          // a deferred constraint refused the transaction at its commit, naming no row (a unique value moved between
          // two rows applied in different transactions, say): the same work again, every constraint checked at each
          // statement, so that the rows it refuses are dead-lettered or parked and the rest applies. It stopped the
          // sink before. Only this work: the next is checked at commit again, where a swap within one transaction holds
          LOG.info("the target refused a transaction at its commit ({}: {}); applying it again with every constraint "
              + "checked at once, to find the refused rows", sql.getSQLState(), TargetError.of(sql).message());
          checkNow = true;
          close();
          continue;
        }
        if (e instanceof SQLException sql && !DatabaseErrors.isRetried(sql)) {
          throw new IllegalStateException("target database error that is not about a single record: "
              + e.getMessage(), e);
        }
        attempt++;
        if (splittable && attempt >= TRIES_BEFORE_SPLIT && e instanceof SQLException sql
            && DatabaseErrors.isTooLarge(sql)) {
          close();
          backoff.available(this);
          throw new TooLarge(sql);
        }
        // closing the connection rolls the batch back: its rows and offsets go in again with its dead letters
        final boolean broken = e instanceof SQLException sql && DatabaseErrors.isBrokenDeployment(sql);
        final boolean readOnly = e instanceof SQLException sql && DatabaseErrors.isReadOnly(sql);
        final boolean conflict = e instanceof SQLException sql && DatabaseErrors.isConflict(sql);
        if (conflict) {
          // not the target being down (it said "unavailable", and readiness said so too): another transaction, often
          // another writer of this sink taking a unique value this one gives up, and the other way round
          final SQLException sql = (SQLException) e;
          final String message = "the target aborted the work in a conflict with another transaction ({}: {}), "
              + "attempt {}; applying it again in {} ms";
          if (attempt < 5) {
            LOG.info(message, sql.getSQLState(), TargetError.of(sql).message(), attempt, backoffMs);
          } else {
            LOG.warn(message, sql.getSQLState(), TargetError.of(sql).message(), attempt, backoffMs);
          }
        } else if (readOnly) {
          final SQLException sql = (SQLException) e;
          LOG.error("the target takes no writes (SQLSTATE {}: {}): a read-only database or session "
              + "(default_transaction_read_only), a standby rather than the primary, or MariaDB's read_only. Nothing "
              + "is dead-lettered; the sink waits and retries (attempt {}, next in {} ms) until the target takes "
              + "writes",
              sql.getSQLState(), TargetError.of(sql).message(), attempt, backoffMs);
        } else if (broken) {
          final SQLException sql = (SQLException) e;
          LOG.error("the target does not fit what the sink writes (SQLSTATE {}: {}): a table or column missing or "
              + "of another type, a privilege not granted, or a table without a primary key. Nothing is "
              + "dead-lettered; the sink waits and retries (attempt {}, next in {} ms) until the target is fixed "
              + "(check the mapping against it: ferry check)", sql.getSQLState(), e.getMessage(), attempt, backoffMs);
        } else {
          LOG.warn("{} unavailable ({}), attempt {}; retrying in {} ms",
              e instanceof SQLException ? "target database" : "dead-letter topic", e.getMessage(), attempt,
              backoffMs);
        }
        // what readiness reports while the sink waits: a target that does not fit is not one that is down, and a
        // conflict is neither
        if (!conflict) {
          backoff.unavailable(this, waitingBecause(e, broken, readOnly) + e.getMessage() + " (attempt " + attempt
              + ")");
        }
        if (broken) {
          // counted once readiness says so: a test or an operator who sees the count sees the reason with it (two
          // writers counted their first tries before either had told readiness, seen once in CI)
          brokenTargetRetries.incrementAndGet();
        }
        close();
        backoffMs = backoff.waitBeforeRetry(backoffMs, "the target");
      }
    }
  }

  /** What readiness says while the sink waits out {@code e}, before its message. */
  private static String waitingBecause(final Exception e, final boolean broken, final boolean readOnly) {
    if (!(e instanceof SQLException sql)) {
      return "dead-letter topic unavailable: ";
    }
    if (readOnly) {
      return "target takes no writes (read-only, SQLSTATE " + sql.getSQLState() + "): ";
    }
    return broken ? "target does not fit what the sink writes (SQLSTATE " + sql.getSQLState() + "): "
        : "target database unavailable: ";
  }

  /** The open connection, opened (in the dialect's session settings, without auto-commit) when there is none. */
  Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      final Properties p = dialect.connectionProperties("ferry-sink");
      p.put("user", config.user());
      p.put("password", config.password());
      connection = DriverManager.getConnection(config.jdbcUrl(), p);
      dialect.onConnect(connection);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing the target connection: {}", e.toString());
      }
      connection = null;
    }
  }
}
