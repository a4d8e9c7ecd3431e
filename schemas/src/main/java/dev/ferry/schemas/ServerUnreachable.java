package dev.ferry.schemas;

/**
 * A server Ferry needs (Kafka, the schema registry) did not answer within the wait, or refused Ferry: the message says
 * which setting names it, its value, what happened and what to look at. The {@code ferry} command ends on it with two
 * lines and exit 1, so that a supervisor starts it again.
 */
public final class ServerUnreachable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServerUnreachable(final String message) {
    super(message);
  }
}
