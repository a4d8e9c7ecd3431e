package dev.ferry.cli;

/** The services a Ferry process can run. */
public enum Role {
  CONNECTOR, PROCESSOR, SINK
}
