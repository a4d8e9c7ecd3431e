package dev.ferry.embedded;

import java.net.BindException;
import java.util.Locale;

/**
 * Whether a server failed to start because a port it was given was taken meanwhile: a {@link BindException} anywhere
 * in the causes, or the words the servers use for it (Kafka wraps the exception, PostgreSQL says it in its log).
 */
final class PortTaken {
  private PortTaken() {
  }

  static boolean causedBy(final Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BindException || saysSo(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /** The innermost message that names the taken port, else the failure's own message. */
  static String reason(final Throwable failure) {
    String reason = failure.getMessage();
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BindException || saysSo(t.getMessage())) {
        reason = t.getMessage();
      }
    }
    return reason;
  }

  static boolean saysSo(final String message) {
    if (message == null) {
      return false;
    }
    final String m = message.toLowerCase(Locale.ROOT);
    return m.contains("address already in use") || m.contains("failed to bind") || m.contains("could not bind");
  }
}
