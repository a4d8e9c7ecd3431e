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
    stack.legacy().createDatabase(name + "_legacy");
    stack.target().createDatabase(name + "_target");
    final String body = incompressible(200_000);
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      s.execute("CREATE TABLE notes (id int PRIMARY KEY, title text, body text)");
      try (PreparedStatement p = legacy.prepareStatement("INSERT INTO notes VALUES (1, 'first', ?)")) {
        p.setString(1, body);
        p.executeUpdate();
      }
    }
    try (Connection target = stack.target().connect(name + "_target"); Statement s = target.createStatement()) {
      s.execute("CREATE TABLE note (id int PRIMARY KEY, title text, body text, ferry_version bigint NOT NULL)");
    }
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, "tables:\n  - {source: public.notes, target: note, fields: {id: id, title: title, "
        + "body: body}}\n");
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.notes", "", mapping, work), EnumSet.allOf(Role.class), work);
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
