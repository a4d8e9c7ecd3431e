package dev.ferry.sink;

import java.sql.SQLException;

/** A unit of work against the target that may fail transiently. */
@FunctionalInterface
interface TargetWork<T> {
  T run() throws SQLException;
}
