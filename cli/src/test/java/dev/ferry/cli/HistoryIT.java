package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.history.ErrorLog;
import dev.ferry.history.HistoryPage;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.ConfluentRegistryClient;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run history and the cumulative error log over a Northwind sync: the sink's start and stop (with the rows it
 * applied), the initial snapshot applied, a replay pass; and per day and rule, the dead letters, how many the pass
 * sent back, and how many it resolved: a line the target refused (a check constraint, dropped before the replay)
 * is resolved; a line the mapping refuses comes back refused again and is not.
 */
class HistoryIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void everyRunIsRecordedWithItsCountsAndAReplayResolvesOnlyWhatNowApplies() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_history");
    final FerryConfig config = env.config();
    final RunHistory history = config.sink().history();
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target(); Statement l = legacy.createStatement(); Statement t = target.createStatement()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      await().atMost(Duration.ofMinutes(1)).until(() -> kinds(history).contains("snapshot-applied"));

      t.execute("ALTER TABLE sales_order_line ADD CONSTRAINT line_quantity_usual CHECK (quantity < 1000)");
      l.execute("INSERT INTO order_details VALUES (10248, 2, 19, 5000, 0)");
      l.execute("INSERT INTO order_details VALUES (10248, 3, 10, -5, 0)");
      assertThat(DeadLettersRead.errors(stack, config, 2, "history-it")).hasSize(2);

      t.execute("ALTER TABLE sales_order_line DROP CONSTRAINT line_quantity_usual");
      final DeadLetterReplay.Summary pass = new DeadLetterReplay(config.sink()).run(new DeadLetterReplay.Options(
          Set.of(), Set.of(), false, false), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      assertThat(pass.replayed()).isEqualTo(2);
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target,
          "SELECT count(*) FROM sales_order_line WHERE order_id = 10248 AND product_id = 2 AND quantity = 5000") == 1);
      // the line the mapping refuses is refused again: a third letter
      assertThat(DeadLettersRead.errors(stack, config, 3, "history-it-2")).hasSize(3);
    }

    final List<RunHistory.Entry> runs = history.recent(100);
    assertThat(runs.stream().map(e -> e.kind().id()).toList()).containsSubsequence("sink-start", "snapshot-applied",
        "replay", "sink-stop");
    final RunHistory.Entry snapshot = runs.stream().filter(e -> e.kind() == RunHistory.Kind.SNAPSHOT_APPLIED)
        .findFirst().orElseThrow();
    assertThat(snapshot.counts().get("tables").toString()).contains("sales_order", "sales_order_line", "customer", "product");
    final RunHistory.Entry replay = runs.stream().filter(e -> e.kind() == RunHistory.Kind.REPLAY).findFirst()
        .orElseThrow();
    assertThat(((Number) replay.counts().get("replayed")).longValue()).isEqualTo(2);
    final RunHistory.Entry stop = runs.get(runs.size() - 1);
    assertThat(stop.kind()).isEqualTo(RunHistory.Kind.SINK_STOP);
    // 830 orders, 2,155 lines, 91 customers, 77 products and the replayed line, at least once each
    assertThat(((Number) stop.counts().get("rowsApplied")).longValue()).isGreaterThanOrEqualTo(830 + 2155 + 91 + 77 + 1);
    assertThat(stop.counts().get("appliedPerTable").toString()).contains("sales_order_line=", "customer=91");
    assertThat(stop.counts().get("deadLettersPerRule").toString()).contains("sink.23514=1");

    final var topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
    final List<ErrorLog.Day> days = ErrorLog.perDay(ErrorLog.read(config.sink().kafka(), topics.deadLetter()), runs);
    final Map<String, ErrorLog.Day> byRule = days.stream().collect(Collectors.toMap(ErrorLog.Day::rule, d -> d));
    assertThat(byRule.keySet()).containsExactlyInAnyOrder("sink.23514", "quantity-positive");
    final LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(byRule.get("sink.23514")).isEqualTo(new ErrorLog.Day(today, "sink.23514", "error", 1, 1, 1));
    assertThat(byRule.get("quantity-positive")).isEqualTo(new ErrorLog.Day(today, "quantity-positive", "error", 2, 1, 0));

    final String page = Files.readString(HistoryPage.write(work.resolve("report"), runs, days));
    assertThat(page).contains("<svg").contains("sink.23514").contains("snapshot-applied").doesNotContain("http");
  }

  private static List<String> kinds(final RunHistory history) throws Exception {
    return history.recent(100).stream().map(e -> e.kind().id()).toList();
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
