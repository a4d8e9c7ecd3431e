package dev.ferry.schemas;

/**
 * How Ferry tells its own writes from others': the sink marks every target transaction with a transactional logical
 * decoding message with this prefix, and a capture of that database reads the mark and flags the transaction's
 * commit markers ({@code CommitMarker.echo}), so that the processor drops it instead of sending it back. One value,
 * shared by the sink that writes the mark and the connector that reads it.
 */
public final class EchoMark {
  public static final String PREFIX = "ferry-echo";

  private EchoMark() {
  }
}
