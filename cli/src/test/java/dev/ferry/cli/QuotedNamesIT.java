package dev.ferry.cli;

import static dev.ferry.cli.TestDatabases.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy tables PostgreSQL takes only quoted, as Northwind's original {@code "Order Details"}: a schema and columns in
 * mixed case, a table name with a space, one with non-ASCII letters, related as header and detail. Snapshot and
 * streamed changes arrive whole (before, the mapping refused such a name and nothing could be synced).
 */
class QuotedNamesIT {
  private static final String LEGACY = """
      CREATE SCHEMA "Verkauf";
      CREATE TABLE "Verkauf"."Bestellungen_Größe" ("Nr" int PRIMARY KEY, "Kunde Name" text);
      CREATE TABLE "Verkauf"."Order Details" ("Nr" int REFERENCES "Verkauf"."Bestellungen_Größe", "Zeile" int,
        "Menge" int, PRIMARY KEY ("Nr", "Zeile"));
      """;
  private static final String TARGET = """
      CREATE TABLE sales_order (id int PRIMARY KEY, customer text, ferry_version bigint NOT NULL);
      CREATE TABLE sales_order_line (order_id int REFERENCES sales_order, line_no int, qty int,
        ferry_version bigint NOT NULL, PRIMARY KEY (order_id, line_no));
      """;
  private static final String MAPPING = """
      tables:
        - source: Verkauf.Bestellungen_Größe
          target: sales_order
          fields: {id: Nr, customer: "Kunde Name"}
        - source: Verkauf.Order Details
          target: sales_order_line
          fields: {order_id: Nr, line_no: Zeile, qty: Menge}
      """;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void tablesWithSpacesAndAnyLettersInTheirNamesSync() throws Exception {
    final String name = "it_quoted";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    try (Connection legacy = stack.legacy().connect(name + "_legacy")) {
      exec(legacy, "INSERT INTO \"Verkauf\".\"Bestellungen_Größe\" VALUES (1, 'Ann Lee'), (2, 'Bob')");
      exec(legacy, "INSERT INTO \"Verkauf\".\"Order Details\" VALUES (1, 1, 5), (1, 2, 6), (2, 1, 7)");
    }
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, MAPPING);
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "Verkauf.Bestellungen_Größe,Verkauf.Order Details",
        "Verkauf.Order Details(Nr) -> Verkauf.Bestellungen_Größe(Nr)", mapping, work), EnumSet.allOf(Role.class), work);
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target))
          .containsExactly("1 Ann Lee", "2 Bob", "1/1 5", "1/2 6", "2/1 7"));
      exec(legacy, "BEGIN; INSERT INTO \"Verkauf\".\"Bestellungen_Größe\" VALUES (3, 'Cy'); "
          + "INSERT INTO \"Verkauf\".\"Order Details\" VALUES (3, 1, 8), (3, 2, 9); COMMIT");
      exec(legacy, "UPDATE \"Verkauf\".\"Order Details\" SET \"Menge\" = 50 WHERE \"Nr\" = 1 AND \"Zeile\" = 1");
      exec(legacy, "BEGIN; DELETE FROM \"Verkauf\".\"Order Details\" WHERE \"Nr\" = 2; "
          + "DELETE FROM \"Verkauf\".\"Bestellungen_Größe\" WHERE \"Nr\" = 2; COMMIT");
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target))
          .containsExactly("1 Ann Lee", "3 Cy", "1/1 50", "1/2 6", "3/1 8", "3/2 9"));
      assertThat(DeadLetterReader.all(stack, config)).isEmpty();
    }
  }

  /** Orders as "id customer", then lines as "order/line qty", each in key order. */
  private static List<String> rows(final Connection target) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = target.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT id, customer FROM sales_order ORDER BY id")) {
        while (rs.next()) {
          out.add(rs.getInt(1) + " " + rs.getString(2));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT order_id, line_no, qty FROM sales_order_line ORDER BY 1, 2")) {
        while (rs.next()) {
          out.add(rs.getInt(1) + "/" + rs.getInt(2) + " " + rs.getInt(3));
        }
      }
    }
    return out;
  }
}
