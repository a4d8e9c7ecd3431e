package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.sink.DeadLetterReplay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on Northwind: a change the mapping cannot convert is dead-lettered; the mapping is
 * fixed and the services restarted; {@code ferry replay} sends the dead letter back to its CDC topic,
 * and the row reaches the target.
 */
class ReplayIT {
  private static final String ANCHOR =
      "      ship_country_code: {from: ship_country, lookup: countries, on-missing: \"null\"}\n";
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aChangeTheMappingRefusedIsAppliedWhenReplayedAfterTheMappingIsFixed() throws Exception {
    final DemoEnvironment base = DemoEnvironment.create(stack, work, "it_replay");
    try (Connection legacy = base.legacy(); Statement s = legacy.createStatement()) {
      s.execute("ALTER TABLE orders ADD COLUMN promised_text varchar(12)");
    }
    try (Connection target = base.target(); Statement s = target.createStatement()) {
      s.execute("ALTER TABLE sales_order ADD COLUMN promised_date date");
    }
    final Path mapping = work.resolve("it_replay").resolve("mapping.yaml");
    final String original = Files.readString(mapping);
    Files.writeString(mapping, original.replace(ANCHOR,
        ANCHOR + "      promised_date: {from: promised_text, type: date, formats: [\"dd.MM.yyyy\"]}\n"));
    final FerryConfig config = FerryConfig.resolve(base.source(), EnumSet.allOf(Role.class), work);

    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = base.legacy();
        Connection target = base.target(); Statement s = legacy.createStatement()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      s.execute("INSERT INTO orders (order_id, customer_id, promised_text, ship_country) "
          + "VALUES (20200, 'ALFKI', '2026-03-31', 'Germany')");
      s.execute("INSERT INTO orders (order_id, customer_id, promised_text, ship_country) "
          + "VALUES (20201, 'ALFKI', '01.04.2026', 'Germany')");
      // an order refused with its lines: the group goes to the dead-letter topic whole, and comes back whole
      legacy.setAutoCommit(false);
      s.execute("INSERT INTO orders (order_id, customer_id, promised_text, ship_country) "
          + "VALUES (20202, 'ALFKI', '2026-04-02', 'Germany')");
      s.execute("INSERT INTO order_details VALUES (20202, 11, 14, 3, 0), (20202, 42, 9.8, 5, 0)");
      legacy.commit();
      legacy.setAutoCommit(true);
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "id = 20201") == 1);
      final List<DeadLetter> letters = DeadLettersRead.errors(stack, config, 4, "replay-it-reader");
      final String group = letters.stream().map(DeadLetter::getGroup).filter(g -> g != null).findFirst().orElse("none");
      assertThat(group).endsWith("/20202");
      assertThat(letters).extracting(d -> d.getSourceKey() + " " + d.getErrors().get(0).getRule() + " "
          + d.getGroup() + "/" + d.getGroupSize()).containsExactlyInAnyOrder("20200 map.date null/null",
              "20202 map.date " + group + "/3", "20202|11 group.refused " + group + "/3",
              "20202|42 group.refused " + group + "/3");
      assertThat(count(target, "id IN (20200, 20202)")).isZero();
      assertThat(countLines(target, 20202)).isZero();
    }

    // the fix: the mapping also reads ISO dates; the services restart with it
    Files.writeString(mapping, original.replace(ANCHOR, ANCHOR
        + "      promised_date: {from: promised_text, type: date, formats: [\"dd.MM.yyyy\", \"yyyy-MM-dd\"]}\n"));
    final FerryConfig fixed = FerryConfig.resolve(base.source(), EnumSet.allOf(Role.class), work);
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    try (Pipeline pipeline = new Pipeline(fixed).start(); Connection target = base.target()) {
      final DeadLetterReplay replay = new DeadLetterReplay(fixed.sink());
      final DeadLetterReplay.Summary dry = replay.run(new DeadLetterReplay.Options(Set.of("map.date"), Set.of(),
          true, false), out);
      assertThat(dry.replayed()).as("map.date letters, and the letters of the group one of them refused")
          .isEqualTo(4);
      assertThat(count(target, "id = 20200")).isZero();

      final DeadLetterReplay.Summary done = replay.run(new DeadLetterReplay.Options(Set.of("map.date"), Set.of(),
          false, false), out);
      assertThat(done.replayed()).isEqualTo(4);
      final var replayedTopics = fixed.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
      assertThat(done.replayedByTopic()).containsOnlyKeys(replayedTopics.cdc("public.orders").name(),
          replayedTopics.cdc("public.order_details").name());
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "id = 20200") == 1);
      // the group: the order with both its lines, applied together
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "id = 20202") == 1);
      assertThat(countLines(target, 20202)).isEqualTo(2);
      try (Statement s = target.createStatement();
          ResultSet rs = s.executeQuery("SELECT promised_date::text FROM sales_order WHERE id = 20200")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("2026-03-31");
      }
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("4 replayed").contains("rule map.date: 2")
        .contains("rule group.refused: 2");

    // what an operator sees first: ferry dead-letters with the same configuration, as a file
    final StringBuilder yaml = new StringBuilder();
    new java.util.TreeMap<>(base.source().values()).forEach((k, v) ->
        yaml.append(k).append(": \"").append(v.text()).append("\"\n"));
    final Path file = work.resolve("ferry.yaml");
    Files.writeString(file, yaml.toString());
    final java.io.StringWriter listed = new java.io.StringWriter();
    final java.io.StringWriter counted = new java.io.StringWriter();
    final int exit = new picocli.CommandLine(new Ferry()).setOut(new java.io.PrintWriter(listed))
        .setErr(new java.io.PrintWriter(counted)).execute("dead-letters", "--config", file.toString());
    assertThat(exit).isZero();
    assertThat(listed.toString().lines().toList()).hasSize(4).first().asString()
        .contains("\"stage\":\"MAP\"").contains("\"rule\":\"map.date\"").contains("\"sourceKey\":\"20200\"");
    assertThat(counted.toString()).contains("4 dead letter(s)").contains("MAP map.date: 2")
        .contains("MAP group.refused: 2");
  }

  private static long count(final Connection target, final String where) throws Exception {
    try (Statement s = target.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM sales_order WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long countLines(final Connection target, final int order) throws Exception {
    try (Statement s = target.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM sales_order_line WHERE order_id = " + order)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
