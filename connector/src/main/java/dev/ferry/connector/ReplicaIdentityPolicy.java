package dev.ferry.connector;

/**
 * What the connector does about a detail table whose deletes would not name their header: with
 * PostgreSQL's default replica identity a delete carries only the primary key, so a detail whose key
 * does not contain the header columns (a line with its own serial id) cannot be put beside its header.
 */
public enum ReplicaIdentityPolicy {
  /** Refuse to start, naming each such table and the statement that fixes it. */
  CHECK,
  /** Run {@code ALTER TABLE .. REPLICA IDENTITY FULL} on each such table at start (needs its owner). */
  SET_FULL
}
