package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.audit.Audit;
import dev.ferry.audit.AuditReport;
import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.history.ErrorLog;
import dev.ferry.history.HistoryPage;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.Reconciliation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's pages in a browser: the sign-off pages (audit.html, reconcile.html, history.html) as a migration lead opens
 * them, rendered by headless Chromium from the files alone (no network), with the figures of a Northwind run in them;
 * and the all-in-one status page while that run syncs, with live figures. No console error on any; a screenshot of
 * each is kept in {@code target/sign-off-pages/}. Skips, saying why, where Debian's chromium is not installed.
 */
class SignOffPagesIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void eachPageRendersItsFiguresInABrowserWithoutErrors() throws Exception {
    HeadlessChromium.in(work);
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_pages");
    final FerryConfig config = env.config();
    final Path pages = work.resolve("pages");
    final PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      s.execute("INSERT INTO order_details VALUES (10248, 1, 10, -5, 0)");
    }
    AuditReport.write(Audit.run(new Audit.Inputs(config.processor().mapping(), config.mappingFile(),
        config.connector().tables(), config.processor().kafka().relations(), () -> config.connector().connect(),
        null), quiet), pages);
    final Path shots = Path.of("target", "sign-off-pages");
    Files.createDirectories(shots);
    try (Pipeline pipeline = new Pipeline(config).start(); Connection target = env.target()) {
      // every row but the refused line
      await().atMost(Duration.ofMinutes(3)).until(() -> count(target, "SELECT (SELECT count(*) FROM sales_order_line) "
          + "+ (SELECT count(*) FROM sales_order) + (SELECT count(*) FROM customer) + (SELECT count(*) FROM product)")
          == 2155 + 830 + 91 + 77);
      // the all-in-one status page while the sync runs: live figures, and the rate of rows applied between two looks
      await().atMost(Duration.ofMinutes(1)).until(() -> DeadLetterReader.all(stack, config).size() == 1);
      final String status = pipeline.ops().url();
      HeadlessChromium.in(work).render(status, shots.resolve("status-first-look.png"));
      try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
        s.execute("UPDATE orders SET freight = freight + 1 WHERE order_id BETWEEN 10250 AND 10299");
      }
      final long applied = pipeline.sink().applied();
      await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.sink().lag() == 0
          && pipeline.sink().applied() >= applied + 50);
      final String dom = HeadlessChromium.in(work).render(status, shots.resolve("status.png"));
      assertThat(dom).contains("Ferry all-in-one: <span class=\"ok\">ready</span>")
          .contains("<td>capture</td><td class=\"ok\">ready</td><td>streaming from the legacy database</td>")
          .contains("<h2>Live direction</h2>").contains("<td>forward</td><td>0</td><td>never flipped</td>")
          .contains("<h2>Last runs</h2>").contains("<td>sink-start</td>")
          .contains("<h2>Dead letters in the last 24 hours</h2>").containsPattern(
              "<td>(VALIDATE|MAP)</td><td>quantity-positive</td><td>1</td>")
          .contains("ferry.connector.events.captured")
          .containsPattern("<td>ferry\\.sink\\.rows\\.applied</td><td>group=it_pages-sink</td><td class=\"n\">"
              + "[0-9,]+</td><td class=\"n\">[0-9,]*[1-9][0-9,]*\\.[0-9]</td>");
    }
    try (Connection target = env.target(); Statement s = target.createStatement()) {
      s.execute("UPDATE sales_order SET freight = freight + 1 WHERE id = 10300");
    }
    ReconcileReport.write(Reconciliation.run(new Reconciliation.Inputs(config.processor().mapping(),
        () -> config.connector().connect(), () -> DriverManager.getConnection(config.sink().jdbcUrl(),
            config.sink().user(), config.sink().password()), config.sink().versionColumn(), Duration.ZERO),
        Reconciliation.DeadLetterIndexSource.topic(config.sink().kafka(), config.sink().kafka().topics(
            new dev.ferry.schemas.ConfluentRegistryClient(stack.registry().url())).deadLetter()), quiet), pages);
    final var runs = config.sink().history().recent(100);
    final var topics = config.sink().kafka().topics(new dev.ferry.schemas.ConfluentRegistryClient(
        stack.registry().url()));
    HistoryPage.write(pages, runs, ErrorLog.perDay(ErrorLog.read(config.sink().kafka(), topics.deadLetter()), runs));

    assertThat(render(pages.resolve("audit.html"), shots.resolve("audit.png")))
        .contains("Source audit").contains("public.order_details").contains("quantity-positive").contains("10248|1")
        // the charts: completeness per column, refusals per rule
        .containsPattern("class=\"bar\" style=\"width:\\d+px\"").containsPattern("class=\"bar refused\" style=\"width:"
            + "\\d+px\"");
    assertThat(render(pages.resolve("reconcile.html"), shots.resolve("reconcile.png")))
        .contains("1 unexplained difference(s)").contains("10300").contains("freight").contains("quantity-positive")
        .containsPattern("class=\"bar unexplained\" style=\"width:\\d+px\"");
    assertThat(render(pages.resolve("history.html"), shots.resolve("history.png")))
        .contains("Run history").contains("sink-start").contains("snapshot-applied")
        // the chart of dead letters per day: the refused line's error
        .containsPattern("<rect [^>]*fill=\"#b00020\"").contains("quantity-positive");
  }

  /** The page's DOM as Chromium built it; a screenshot into {@code shot}; fails on a console error. */
  private String render(final Path page, final Path shot) throws Exception {
    return HeadlessChromium.in(work).render(page.toUri().toString(), shot);
  }

  private static long count(final Connection c, final String sql) throws Exception {
    try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
