package dev.ferry.sink;

import java.sql.Connection;
import java.sql.SQLException;

/** A target database server the sink's integration tests write to: one fresh database per test. */
interface TargetDatabase {
  /** Creates database {@code name}. */
  void create(String name) throws SQLException;

  Connection connect(String database) throws SQLException;

  String jdbcUrl(String database);

  String user();

  /**
   * A user of {@code database} (password empty) whose every statement the server cancels after a millisecond, as an
   * administrator's limit for an application role would; made by {@link #user()}.
   */
  String limitedUser(String database) throws SQLException;
}
