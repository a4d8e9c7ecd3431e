package dev.ferry.schemas;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * How every connection Ferry opens to a PostgreSQL database, legacy or target, starts: without the time limits a
 * database administrator may set for the role or the database ({@code ALTER ROLE ... SET statement_timeout}), as
 * pg_dump starts its sessions.
 *
 * <p>Why: such limits are meant for an application's short queries, and Ferry's work is long by nature. A
 * snapshot reads whole tables in one transaction (idle in it while Kafka takes what it read), the sink's statements
 * grow with its batches and the end of a snapshot deletes in one statement, and reconcile and audit read whole
 * tables. Under a limit, each of these failed the same way every time: the capture retried its snapshot without
 * end, the sink retried a batch without end. The limits are lifted in the connection's startup packet (pgjdbc's
 * {@code options}), so Debezium's connections, the replication one included, get them too. A JDBC URL that sets
 * its own {@code options} wins over these (pgjdbc reads the URL last): that is how to keep a limit on Ferry anyway.
 *
 * <p>The startup packet may name only settings the server knows: an unknown one refuses the connection. So
 * {@code idle_session_timeout} (14) and {@code transaction_timeout} (17) are named only for a server known to have
 * them ({@link #options(int)}: the capture, which reads the legacy server's version before it starts Debezium), and
 * lifted right after connecting elsewhere ({@link #LIFT_NEWER}). A snapshot longer than an administrator's
 * transaction limit was otherwise ended and started over without end; an idle limit ended the replication session
 * that exported the snapshot's starting point, and Debezium read the tables without it.
 */
public final class PostgresSessions {
  /** pgjdbc's {@code options}: the server settings the session starts with, those every supported server has. */
  public static final String OPTIONS = "-c statement_timeout=0 -c idle_in_transaction_session_timeout=0";

  /** PostgreSQL's SQLSTATE for a session ended by {@code idle_session_timeout}. */
  private static final String IDLE_SESSION_TIMEOUT = "57P05";
  /** PostgreSQL's SQLSTATE for a session ended by {@code transaction_timeout} (17 and later). */
  private static final String TRANSACTION_TIMEOUT = "25P04";

  /** {@link #OPTIONS} and those a server of major version {@code major} adds. */
  public static String options(final int major) {
    return OPTIONS + (major >= 14 ? " -c idle_session_timeout=0" : "")
        + (major >= 17 ? " -c transaction_timeout=0" : "");
  }

  /**
   * The limits newer servers add, lifted where the server knows them (a connection made before its server's version
   * is known).
   */
  public static final String LIFT_NEWER = "SELECT set_config(name, '0', false) FROM pg_settings "
      + "WHERE name IN ('idle_session_timeout', 'transaction_timeout')";

  /**
   * The session setting that lets a session's writes pass a cutover's write fence (the cutover module's
   * {@code WriteFence}): Ferry's sinks set it on every connection, since after a cutover they write the side whose
   * application is fenced out. A custom setting (its name has a dot), so any server takes it and an application never
   * sets it by accident.
   */
  public static final String FENCE_PASS = "ferry.writer";

  private PostgresSessions() {
  }

  /** Lifts on {@code c} the limits of newer servers ({@link #LIFT_NEWER}); returns {@code c}. */
  public static Connection liftNewer(final Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(LIFT_NEWER);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Opens a connection to {@code url} with {@code properties} and lifts the newer limits on it ({@link #liftNewer}).
   * A server that ends the session for one of those limits before the lift came (an administrator's limit of
   * milliseconds, and a busy client between the driver's start-up queries, or the lift itself outlasting a
   * {@code transaction_timeout}: seen on a loaded machine, SQLSTATE 57P05 and 25P04) knows that setting, so the
   * connection is opened again with it lifted in the startup packet (at most once per setting).
   */
  public static Connection connect(final String url, final Properties properties) throws SQLException {
    final Properties attempt = new Properties();
    attempt.putAll(properties);
    for (int tries = 0; ; tries++) {
      try {
        return liftNewer(java.sql.DriverManager.getConnection(url, attempt));
      } catch (SQLException e) {
        final String setting = IDLE_SESSION_TIMEOUT.equals(e.getSQLState()) ? "idle_session_timeout"
            : TRANSACTION_TIMEOUT.equals(e.getSQLState()) ? "transaction_timeout" : null;
        final String options = attempt.getProperty("options", OPTIONS);
        if (setting == null || options.contains(setting) || tries >= 2) {
          throw e;
        }
        attempt.put("options", options + " -c " + setting + "=0");
      }
    }
  }

  /** Driver properties of a connection named {@code applicationName} (what {@code pg_stat_activity} shows). */
  public static Properties properties(final String applicationName) {
    final Properties p = new Properties();
    p.put("options", OPTIONS);
    p.put("ApplicationName", applicationName);
    return p;
  }
}
