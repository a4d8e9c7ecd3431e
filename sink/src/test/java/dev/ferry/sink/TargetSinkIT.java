package dev.ferry.sink;

import dev.ferry.embedded.EmbeddedDatabase;
import java.sql.Connection;

/** The sink's contract against PostgreSQL (the embedded target of the shared stack). */
class TargetSinkIT extends TargetSinkContract {

  @Override
  protected TargetDatabase target() {
    final EmbeddedDatabase pg = stack.target();
    return new TargetDatabase() {
      @Override
      public void create(final String name) {
        pg.createDatabase(name);
      }

      @Override
      public Connection connect(final String database) throws java.sql.SQLException {
        return pg.connect(database);
      }

      @Override
      public String jdbcUrl(final String database) {
        return pg.jdbcUrl(database);
      }

      @Override
      public String user() {
        return EmbeddedDatabase.USER;
      }
    };
  }

  @Override
  protected String checkViolationState() {
    return "23514";
  }

  @Override
  protected String exactText(final int length) {
    return "varchar(" + length + ")";
  }

  @Override
  protected String missingReferenceState() {
    return "23503";
  }
}
