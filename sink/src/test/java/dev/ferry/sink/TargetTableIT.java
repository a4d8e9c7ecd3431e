package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.SharedStack;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Which columns the sink keys a PostgreSQL target table's rows by ({@link dev.ferry.schemas.TableKey}): the primary
 * key; without one the replica identity index; else the only unique index whose columns are all NOT NULL, neither
 * partial nor on an expression. Where none or several qualify, the table is refused with what to do.
 */
class TargetTableIT {
  private static final String SCHEMA = """
      CREATE TABLE with_pk (a int PRIMARY KEY, b int NOT NULL UNIQUE);
      CREATE TABLE identity_index (a int NOT NULL, b int NOT NULL, c int NOT NULL);
      CREATE UNIQUE INDEX identity_index_a ON identity_index (a);
      CREATE UNIQUE INDEX identity_index_cb ON identity_index (c, b);
      ALTER TABLE identity_index REPLICA IDENTITY USING INDEX identity_index_cb;
      CREATE TABLE one_usable (a int NOT NULL, b text NOT NULL, c int, d int NOT NULL);
      CREATE UNIQUE INDEX one_usable_ba ON one_usable (b, a);
      CREATE UNIQUE INDEX one_usable_c ON one_usable (c);
      CREATE UNIQUE INDEX one_usable_partial ON one_usable (d) WHERE a > 0;
      CREATE UNIQUE INDEX one_usable_lower ON one_usable (lower(b));
      CREATE TABLE two_usable (a int NOT NULL, b int NOT NULL);
      CREATE UNIQUE INDEX two_usable_a ON two_usable (a);
      CREATE UNIQUE INDEX two_usable_b ON two_usable (b);
      CREATE TABLE none_usable (a int, b int NOT NULL);
      CREATE UNIQUE INDEX none_usable_a ON none_usable (a);
      CREATE UNIQUE INDEX none_usable_b ON none_usable (b) WHERE a IS NOT NULL;
      """;

  @Test
  void theKeyIsThePrimaryKeyElseTheReplicaIdentityIndexElseTheOnlyUniqueIndexOnNotNullColumns() throws Exception {
    final EmbeddedDatabase pg = SharedStack.get().target();
    final String db = EmbeddedDatabase.uniqueName("target_table_key");
    pg.createDatabase(db);
    try (Connection c = pg.connect(db)) {
      try (Statement s = c.createStatement()) {
        s.execute(SCHEMA);
      }
      assertThat(TargetTable.read(c, "with_pk").key()).containsExactly("a");
      assertThat(TargetTable.read(c, "public.identity_index").key()).as("the replica identity index, in its order")
          .containsExactly("c", "b");
      assertThat(TargetTable.read(c, "one_usable").key())
          .as("not the nullable, the partial or the expression index").containsExactly("b", "a");
      assertThatThrownBy(() -> TargetTable.read(c, "two_usable")).isInstanceOf(SQLException.class)
          .hasMessageContainingAll("target table two_usable has no primary key", "two_usable_a [a]",
              "two_usable_b [b]", "REPLICA IDENTITY USING INDEX")
          .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42P10");
      assertThatThrownBy(() -> TargetTable.read(c, "none_usable")).isInstanceOf(SQLException.class)
          .hasMessageContaining("no unique index on NOT NULL columns");
      try (Statement s = c.createStatement()) {
        s.execute("ALTER TABLE two_usable REPLICA IDENTITY USING INDEX two_usable_b");
      }
      assertThat(TargetTable.read(c, "two_usable").key()).as("once one is named the replica identity")
          .containsExactly("b");
    }
  }
}
