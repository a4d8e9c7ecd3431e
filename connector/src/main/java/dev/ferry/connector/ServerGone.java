package dev.ferry.connector;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.List;

/**
 * Whether a failure says a database server could not be reached: a connection refused, reset or closed under it, a
 * server shutting down or starting up, a host that did not resolve (a failover's new address not yet in DNS). These
 * pass; the server or the network comes back. Debezium's engine stopped so is built again ({@link CaptureEngine}); a
 * command that cannot reach a server as it starts says so in a line, not a stack trace ({@code ferry}'s handler). A
 * wrong password, a missing slot, a position the slot no longer has are not among them: they stay until someone acts.
 *
 * <p>Debezium does not always keep the cause: its connector's validation reports a connection it could not open only
 * in words ("Connector configuration is not valid. Error while validating connector config: Connection to
 * 127.0.0.1:5432 refused. Check that the hostname and port are correct ..."), so the words
 * PostgreSQL's driver uses for it count as well as the exceptions.
 */
public final class ServerGone {
  /**
   * SQL states of a server that is gone or going: a connection that could not be opened, does not exist or failed
   * (08000, 08001, 08003, 08006; not a protocol violation or an SSL refusal, which stay), the server shutting down by
   * an operator's or a crash's hand (57P01, 57P02), and starting up (57P03: "the database system is starting up").
   */
  private static final List<String> STATES = List.of("08000", "08001", "08003", "08006", "57P01", "57P02", "57P03");
  /** The driver's and Debezium's words for a connection that was refused, lost or closed. */
  private static final List<String> WORDS = List.of(
      "The connection attempt failed",
      "Connection refused",
      "refused. Check that the hostname and port are correct",
      "Connection reset",
      "An I/O error occurred while sending to the backend",
      "This connection has been closed",
      "Database connection failed",
      "the database system is starting up",
      "the database system is shutting down",
      "terminating connection due to administrator command");
  private static final int DEPTH = 20;

  private ServerGone() {
  }

  /** True when {@code message} or {@code error}'s chain of causes says the server could not be reached. */
  public static boolean in(final String message, final Throwable error) {
    return reason(message, error) != null;
  }

  /**
   * What in {@code message} or {@code error}'s causes says the server was gone (the exception, or the words), for the
   * log; null when nothing does.
   */
  public static String reason(final String message, final Throwable error) {
    Throwable t = error;
    for (int depth = 0; t != null && depth < DEPTH; depth++, t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException
          || t instanceof SocketTimeoutException || t instanceof EOFException
          || t instanceof SocketException) {
        return t.toString();
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && STATES.contains(sql.getSQLState())) {
        return t.getMessage() + " (SQL state " + sql.getSQLState() + ")";
      }
    }
    for (final String words : WORDS) {
      if (CaptureFailure.anyMessageHas(message, error, words)) {
        return words;
      }
    }
    return null;
  }
}
