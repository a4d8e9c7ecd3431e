package dev.ferry.sink;

import java.sql.SQLException;

/**
 * A row the sink itself will not write, found before the write (not a refusal of the target's): what its dead
 * letter says, the rule, the field and value at fault where there is one, and the way on.
 */
abstract class SinkRefusal extends SQLException {
  private static final long serialVersionUID = 1L;

  SinkRefusal(final String message, final String sqlState) {
    super(message, sqlState);
  }

  /** The dead letter's rule ({@code sink.key}, {@code sink.scale}). */
  abstract String rule();

  /** The column at fault, or null. */
  String field() {
    return null;
  }

  /** The value at fault, or null. */
  String value() {
    return null;
  }

  /** What to do about it. */
  abstract String resolution();
}
