package dev.ferry.sink;

import java.sql.Connection;
import java.sql.SQLException;

/** Marks a target transaction as written by this sink ({@link TargetDialect#markOwnWrites}), or does nothing. */
@FunctionalInterface
interface OwnWrites {
  OwnWrites NONE = c -> { };

  /** Called once in each transaction that writes target rows, before its commit. */
  void mark(Connection c) throws SQLException;
}
