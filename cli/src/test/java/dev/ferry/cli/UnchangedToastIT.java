package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL does not send an unchanged TOASTed value with an update (default replica identity), and
 * Debezium fills the gap with a placeholder. Ferry must never write that placeholder: the target keeps
 * the value it has.
 */
class UnchangedToastIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void anUpdateThatLeavesALargeValueAloneLeavesItAloneInTheTarget() throws Exception {
    final String name = "it_toast";
    final String body = incompressible(200_000);
    final FerryConfig config = notes(name, false, null, body);
    try (Pipeline pipeline = new Pipeline(config).start(); Connection target = stack.target().connect(name + "_target");
        Connection legacy = stack.legacy().connect(name + "_legacy")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> body.equals(one(target, "SELECT body FROM note WHERE id = 1")));
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE notes SET title = 'second' WHERE id = 1");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "second".equals(one(target, "SELECT title FROM note WHERE id = 1")));
      assertThat(one(target, "SELECT body FROM note WHERE id = 1")).isEqualTo(body);
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /**
   * An update that sets a large value and then one that leaves it alone, each its own transaction, reach the sink in
   * one batch (the processor stopped while they are made, so that its first commit after its start carries both):
   * the target takes the new value. Collapsed to the newer change alone, the sink kept the value from before both.
   */
  @Test
  void aLargeValueSetJustBeforeAnUpdateThatLeavesItAloneReachesTheTarget() throws Exception {
    final String name = "it_toast_batch";
    final int rows = 10;
    final FerryConfig config = notes(name, false, null);
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      for (int id = 1; id <= rows; id++) {
        s.execute("INSERT INTO notes VALUES (" + id + ", 'first', 'short " + id + "')");
      }
    }
    final Random random = new Random(5);
    try (Pipeline pipeline = new Pipeline(config).start(); Connection target = stack.target().connect(name + "_target");
        Connection legacy = stack.legacy().connect(name + "_legacy")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> "10".equals(one(target, "SELECT count(*) FROM note")));
      pipeline.stopProcessor();
      final String[] bodies = new String[rows + 1];
      for (int id = 1; id <= rows; id++) {
        bodies[id] = incompressible(100_000 + random.nextInt(50_000));
        try (PreparedStatement p = legacy.prepareStatement("UPDATE notes SET body = ? WHERE id = ?")) {
          p.setString(1, bodies[id]);
          p.setInt(2, id);
          p.executeUpdate();
        }
        try (Statement s = legacy.createStatement()) {
          s.execute("UPDATE notes SET title = 'second' WHERE id = " + id);
        }
      }
      pipeline.startProcessor();
      await().atMost(Duration.ofMinutes(2))
          .until(() -> "10".equals(one(target, "SELECT count(*) FROM note WHERE title = 'second'")));
      for (int id = 1; id <= rows; id++) {
        assertThat(one(target, "SELECT body FROM note WHERE id = " + id)).as("row %d's body", id)
            .isEqualTo(bodies[id]);
      }
      assertThat(pipeline.sink().failed()).isZero();
    }
  }

  /**
   * A table with {@code REPLICA IDENTITY FULL} under a filter that reads its large column: an update that leaves the
   * large value alone still carries it (the old row is logged whole), so the filter reads it, and a row that left the
   * filter and comes back is written whole. What README's "What does not work yet" advises for such tables: with the
   * default identity the filter cannot read the value (a dead letter) and the row that comes back lacks it.
   */
  @Test
  void withTheOldRowWholeARowThatComesBackIntoTheFilterKeepsItsLargeValue() throws Exception {
    final String name = "it_toast_full";
    final String body = incompressible(120_000);
    final FerryConfig config = notes(name, true, "row.title != 'hidden' && size(row.body) > 0", body, body);
    try (Pipeline pipeline = new Pipeline(config).start(); Connection target = stack.target().connect(name + "_target");
        Connection legacy = stack.legacy().connect(name + "_legacy")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> "2".equals(one(target, "SELECT count(*) FROM note")));
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE notes SET title = 'hidden' WHERE id = 1");
        s.execute("UPDATE notes SET title = 'second' WHERE id = 2");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "1".equals(one(target, "SELECT count(*) FROM note")));
      try (Statement s = legacy.createStatement()) {
        s.execute("UPDATE notes SET title = 'back' WHERE id = 1");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> "back".equals(one(target, "SELECT title FROM note WHERE id = 1")));
      assertThat(one(target, "SELECT body FROM note WHERE id = 1")).isEqualTo(body);
      await().atMost(Duration.ofMinutes(1)).until(() -> "second".equals(one(target, "SELECT title FROM note WHERE id = 2")));
      assertThat(one(target, "SELECT body FROM note WHERE id = 2")).isEqualTo(body);
      assertThat(pipeline.sink().failed()).isZero();
      assertThat(DeadLettersRead.refusals(stack, config)).isEmpty();
    }
  }

  /**
   * Databases {@code name_legacy} with table {@code notes (id, title, body)} (its replica identity FULL where asked;
   * rows {@code bodies} as ids 1, 2, ... with title 'first') and {@code name_target} with {@code note}, a mapping of
   * one to the other under {@code filter} (none: null), and the configuration of a pipeline between them.
   */
  private FerryConfig notes(final String name, final boolean identityFull, final String filter, final String... bodies)
      throws Exception {
    stack.legacy().createDatabase(name + "_legacy");
    stack.target().createDatabase(name + "_target");
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      s.execute("CREATE TABLE notes (id int PRIMARY KEY, title text, body text)");
      if (identityFull) {
        s.execute("ALTER TABLE notes REPLICA IDENTITY FULL");
      }
      for (int i = 0; i < bodies.length; i++) {
        try (PreparedStatement p = legacy.prepareStatement("INSERT INTO notes VALUES (?, 'first', ?)")) {
          p.setInt(1, i + 1);
          p.setString(2, bodies[i]);
          p.executeUpdate();
        }
      }
    }
    try (Connection target = stack.target().connect(name + "_target"); Statement s = target.createStatement()) {
      s.execute("CREATE TABLE note (id int PRIMARY KEY, title text, body text, ferry_version bigint NOT NULL)");
    }
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, "tables:\n  - {source: public.notes, target: note, "
        + (filter == null ? "" : "filter: \"" + filter + "\", ") + "fields: {id: id, title: title, body: body}}\n");
    return FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy", name + "_target",
        "public.notes", "", mapping, work), EnumSet.allOf(Role.class), work);
  }

  private static String incompressible(final int length) {
    final Random random = new Random(3);
    final StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) ('!' + random.nextInt(90)));
    }
    return sb.toString();
  }

  private static String one(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
