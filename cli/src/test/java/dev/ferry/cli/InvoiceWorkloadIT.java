package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workload shaped like production on a schema shaped like a public sample nobody here wrote (Chinook's
 * invoices: lines with their own serial key, the invoice's total kept equal to the sum of its lines), into a
 * differently shaped target with money in cents computed by an expression. Four writers, each transaction
 * one of: a new invoice with 1-8 lines; a new line added to an existing invoice with its total updated;
 * all lines of an invoice deleted, then the invoice. Two threads keep the machine's cores busy meanwhile.
 *
 * <p>A reader polls the target throughout and must never see a bill whose total differs from the sum of its
 * items; at the end the target holds exactly the legacy data, mapped.
 */
class InvoiceWorkloadIT {
  private static final String LEGACY = """
      CREATE TABLE customer (customer_id serial PRIMARY KEY, first_name varchar(40) NOT NULL,
        last_name varchar(20) NOT NULL, email varchar(60) NOT NULL);
      CREATE TABLE invoice (invoice_id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customer,
        invoice_date timestamp NOT NULL, billing_city varchar(40), total numeric(10,2) NOT NULL);
      CREATE TABLE invoice_line (invoice_line_id serial PRIMARY KEY,
        invoice_id int NOT NULL REFERENCES invoice, track_id int NOT NULL, unit_price numeric(10,2) NOT NULL,
        quantity int NOT NULL);
      INSERT INTO customer (first_name, last_name, email)
        SELECT 'First' || g, 'Last' || g, 'c' || g || '@example.org' FROM generate_series(1, 20) g;
      """;
  private static final String TARGET = """
      CREATE TABLE client (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL,
        ferry_version bigint NOT NULL);
      CREATE TABLE bill (bill_no int PRIMARY KEY, client_id int NOT NULL REFERENCES client,
        issued_at timestamp NOT NULL, city text, total_cents bigint NOT NULL, ferry_version bigint NOT NULL);
      CREATE TABLE bill_item (item_no int PRIMARY KEY, bill_no int NOT NULL REFERENCES bill, track int NOT NULL,
        price_cents bigint NOT NULL, qty int NOT NULL, ferry_version bigint NOT NULL);
      """;
  private static final String MAPPING = """
      version: invoices-1
      tables:
        - source: public.customer
          target: client
          fields:
            id: customer_id
            name: {concat: [first_name, last_name]}
            email: {expr: "row.email.lowerAscii()"}
        - source: public.invoice
          target: bill
          fields:
            bill_no: invoice_id
            client_id: customer_id
            issued_at: {from: invoice_date, type: timestamp}
            city: {from: billing_city, trim: true, empty-as-null: true}
            total_cents: {expr: "row.total * 100.0", type: decimal, scale: 0}
        - source: public.invoice_line
          target: bill_item
          fields:
            item_no: invoice_line_id
            bill_no: invoice_id
            track: track_id
            price_cents: {expr: "row.unit_price * 100.0", type: decimal, scale: 0}
            qty: quantity
      """;
  private static final int WRITERS = 4;
  private static final int TRANSACTIONS_PER_WRITER = 125;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aReaderNeverSeesABillWhoseTotalDiffersFromItsItemsAndTheEndStateIsExact() throws Exception {
    final String name = "it_invoices";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, MAPPING);
    final ConfigSource source = DemoEnvironment.configSource(stack, name, name + "_legacy", name + "_target",
        "public.customer,public.invoice,public.invoice_line",
        "public.invoice_line(invoice_id) -> public.invoice(invoice_id)", mapping, work);
    // a line has its own serial key, so by default its deletes name only that key, not its invoice: refused
    final FerryConfig checked = FerryConfig.resolve(source, EnumSet.allOf(Role.class), work);
    assertThatThrownBy(checked::checkAgainstDatabases).isInstanceOf(ConfigException.class)
        .hasMessageContaining("deletes of detail table public.invoice_line carry only its primary key "
            + "[invoice_line_id], without invoice_id")
        .hasMessageContaining("ALTER TABLE \"public\".\"invoice_line\" REPLICA IDENTITY FULL");
    final FerryConfig config = FerryConfig.resolve(source.with("connector.replica-identity", "set-full", "test"),
        EnumSet.allOf(Role.class), work);
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> count(target, "client") == 20);
      final BusyMachine busy = BusyMachine.start(2);

      final AtomicBoolean writing = new AtomicBoolean(true);
      final ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
      final AtomicInteger polls = new AtomicInteger();
      final Thread reader = new Thread(() -> poll(name, writing, torn, polls));
      final AtomicInteger done = new AtomicInteger();
      final ConcurrentLinkedQueue<Throwable> writerErrors = new ConcurrentLinkedQueue<>();
      final List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        final long seed = 17 + w;
        writers.add(new Thread(() -> {
          try {
            write(name, seed, done);
          } catch (SQLException | InterruptedException | RuntimeException e) {
            writerErrors.add(e);
          }
        }));
      }
      reader.start();
      writers.forEach(Thread::start);
      for (final Thread t : writers) {
        t.join(Duration.ofMinutes(4).toMillis());
      }
      assertThat(writerErrors).as("writer failures").isEmpty();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
          assertThat(targetState(target)).isEqualTo(expectedState(legacy)));
      writing.set(false);
      reader.join(Duration.ofMinutes(1).toMillis());
      busy.close();

      assertThat(done.get()).as("writer transactions").isEqualTo(WRITERS * TRANSACTIONS_PER_WRITER);
      assertThat(polls.get()).as("consistent reads of the target during the run").isGreaterThan(50);
      assertThat(torn).as("bills whose total differs from their items, seen by the reader").isEmpty();
      assertThat(pipeline.sink().failed()).as("dead letters of the sink").isZero();
    }
  }

  private void poll(final String name, final AtomicBoolean writing, final ConcurrentLinkedQueue<String> torn,
      final AtomicInteger polls) {
    final long until = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    try (Connection c = stack.target().connect(name + "_target")) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      while ((writing.get() || polls.get() < 10) && System.nanoTime() < until) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
            SELECT b.bill_no, b.total_cents, coalesce(sum(i.price_cents * i.qty), 0) AS items, count(i.item_no) AS n
            FROM bill b LEFT JOIN bill_item i ON i.bill_no = b.bill_no
            GROUP BY b.bill_no, b.total_cents
            HAVING b.total_cents <> coalesce(sum(i.price_cents * i.qty), 0)""")) {
          while (rs.next()) {
            torn.add("bill " + rs.getInt(1) + ": total " + rs.getLong(2) + " cents, its " + rs.getInt(4)
                + " items " + rs.getLong(3));
          }
        }
        c.commit();
        polls.incrementAndGet();
        Thread.sleep(20);
      }
    } catch (SQLException | InterruptedException e) {
      torn.add("reader failed: " + e);
    }
  }

  /** One writer's transactions; each leaves every invoice's total equal to the sum of its lines. */
  private void write(final String name, final long seed, final AtomicInteger done)
      throws SQLException, InterruptedException {
    final Random random = new Random(seed);
    final List<Integer> mine = new ArrayList<>();
    try (Connection c = stack.legacy().connect(name + "_legacy")) {
      c.setAutoCommit(false);
      for (int i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
        final int dice = random.nextInt(100);
        if (dice < 60 || mine.isEmpty()) {
          final int invoice = insertInvoice(c, random);
          final int lines = 1 + random.nextInt(8);
          for (int l = 0; l < lines; l++) {
            insertLine(c, random, invoice);
          }
          updateTotal(c, invoice);
          mine.add(invoice);
        } else if (dice < 85) {
          final int invoice = mine.get(random.nextInt(mine.size()));
          insertLine(c, random, invoice);
          updateTotal(c, invoice);
        } else {
          final int invoice = mine.remove(random.nextInt(mine.size()));
          exec(c, "DELETE FROM invoice_line WHERE invoice_id = " + invoice);
          exec(c, "DELETE FROM invoice WHERE invoice_id = " + invoice);
        }
        c.commit();
        done.incrementAndGet();
        // about 40 transactions/s from four writers
        Thread.sleep(60 + random.nextInt(80));
      }
    }
  }

  private static int insertInvoice(final Connection c, final Random random) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoice (customer_id, invoice_date, billing_city, "
        + "total) VALUES (?, now()::timestamp, ?, 0) RETURNING invoice_id")) {
      ps.setInt(1, 1 + random.nextInt(20));
      ps.setString(2, random.nextBoolean() ? "Oslo " : "");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void insertLine(final Connection c, final Random random, final int invoice) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO invoice_line (invoice_id, track_id, unit_price, quantity) VALUES (?, ?, ?, ?)")) {
      ps.setInt(1, invoice);
      ps.setInt(2, 1 + random.nextInt(3000));
      ps.setBigDecimal(3, BigDecimal.valueOf(random.nextInt(200) + 29, 2));
      ps.setInt(4, 1 + random.nextInt(3));
      ps.executeUpdate();
    }
  }

  private static void updateTotal(final Connection c, final int invoice) throws SQLException {
    exec(c, "UPDATE invoice SET total = (SELECT coalesce(sum(unit_price * quantity), 0) FROM invoice_line "
        + "WHERE invoice_id = " + invoice + ") WHERE invoice_id = " + invoice);
  }

  /** What the target must hold, computed from the legacy rows here, independently of Ferry's mapping. */
  private static Map<String, String> expectedState(final Connection legacy) throws SQLException {
    final Map<String, String> out = new TreeMap<>();
    rows(legacy, "SELECT 'bill ' || invoice_id, customer_id || ' ' || to_char(invoice_date, "
        + "'YYYY-MM-DD HH24:MI:SS.US') || ' ' || coalesce(nullif(trim(billing_city), ''), '-') || ' ' "
        + "|| (total * 100)::bigint FROM invoice", out);
    rows(legacy, "SELECT 'item ' || invoice_line_id, invoice_id || ' ' || track_id || ' ' "
        + "|| (unit_price * 100)::bigint || ' ' || quantity FROM invoice_line", out);
    return out;
  }

  private static Map<String, String> targetState(final Connection target) throws SQLException {
    final Map<String, String> out = new TreeMap<>();
    rows(target, "SELECT 'bill ' || bill_no, client_id || ' ' || to_char(issued_at, 'YYYY-MM-DD HH24:MI:SS.US') "
        + "|| ' ' || coalesce(city, '-') || ' ' || total_cents FROM bill", out);
    rows(target, "SELECT 'item ' || item_no, bill_no || ' ' || track || ' ' || price_cents || ' ' || qty "
        + "FROM bill_item", out);
    return out;
  }

  private static void rows(final Connection c, final String sql, final Map<String, String> out) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
  }

  private static long count(final Connection c, final String table) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void exec(final Connection c, final String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }
}
