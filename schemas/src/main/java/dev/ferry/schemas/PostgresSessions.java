package dev.ferry.schemas;

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
 * <p>Only settings every supported PostgreSQL (13 and later) knows: an unknown one refuses the connection.
 * {@code idle_session_timeout} (14) and {@code transaction_timeout} (17) are therefore not lifted.
 */
public final class PostgresSessions {
  /** pgjdbc's {@code options}: the server settings the session starts with. */
  public static final String OPTIONS = "-c statement_timeout=0 -c idle_in_transaction_session_timeout=0";

  private PostgresSessions() {
  }

  /** Driver properties of a connection named {@code applicationName} (what {@code pg_stat_activity} shows). */
  public static Properties properties(final String applicationName) {
    final Properties p = new Properties();
    p.put("options", OPTIONS);
    p.put("ApplicationName", applicationName);
    return p;
  }
}
