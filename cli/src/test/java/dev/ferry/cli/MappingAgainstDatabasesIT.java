package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mapping that parses but does not fit the databases is refused before anything starts, all at once. */
class MappingAgainstDatabasesIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void fiveMistakesAgainstTheDatabasesAreAllReportedAndNothingStarts() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_schema");
    final Path mapping = work.resolve("it_schema").resolve("mapping.yaml");
    Files.writeString(mapping, """
        version: "wrong"
        tables:
          - source: public.orders
            target: sales_order
            fields:
              id: order_id
              freight: {from: fraight, type: decimal, scale: 2}
              order_date: {from: freight, type: decimal, scale: 2}
              colour: ship_name
          - source: public.order_details
            target: sales_order_line
            fields:
              order_id: order_id
              quantity: {from: quantity, type: integer}
          - source: public.invoices
            target: invoice
            fields:
              id: invoice_id
        """);
    final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.relations", "", "test")
        .with("legacy.tables", "public.orders,public.order_details", "test"), EnumSet.allOf(Role.class), work);
    assertThatThrownBy(() -> new Pipeline(config).start())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::toString).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("mapping.yaml:7: tables[0].fields.freight = 'fraight': "
                    + "no column fraight in legacy table public.orders; its columns: [customer_id,"),
                p -> assertThat(p).isEqualTo("mapping.yaml:8: tables[0].fields.order_date.type = 'decimal': a "
                    + "decimal value does not fit target column sales_order.order_date (date)"),
                p -> assertThat(p).startsWith("mapping.yaml:9: tables[0].fields.colour = 'colour': no column colour "
                    + "in target table sales_order; its columns: [customer_code,"),
                p -> assertThat(p).isEqualTo("mapping.yaml:10: fields = 'product_id': target key column "
                    + "sales_order_line.product_id is not mapped; every key column needs a field"),
                // the lines' mapping leaves out two columns the target requires: it would refuse every line
                p -> assertThat(p).startsWith("mapping.yaml:10: fields = 'discount': target column "
                    + "sales_order_line.discount is NOT NULL without a default, and no field writes it"),
                p -> assertThat(p).startsWith("mapping.yaml:10: fields = 'unit_price': target column "
                    + "sales_order_line.unit_price is NOT NULL without a default"),
                p -> assertThat(p).isEqualTo("mapping.yaml:15: source = 'public.invoices': no such table in the "
                    + "legacy database"),
                p -> assertThat(p).isEqualTo("mapping.yaml:15: target = 'invoice': no such table in the target "
                    + "database")));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      assertThat(admin.listTopics().names().get()).noneMatch(t -> t.startsWith("it_schema."));
    }
  }

  /**
   * Digits the target would round away as it stores them, saying nothing: a {@code numeric(12,4)} copied as it is into
   * a {@code numeric(10,2)}, a {@code timestamp} (microseconds) into a {@code timestamp(0)}. Refused, with the ways on;
   * a declared rounding, a wider column, a legacy numeric without a scale and equal precision pass.
   */
  @Test
  void digitsTheTargetWouldRoundAwaySilentlyAreRefused() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_digits");
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      s.execute("CREATE TABLE readings (id int PRIMARY KEY, amount numeric(12,4), exact numeric(12,2), free numeric, "
          + "taken timestamp, taken_tz timestamptz(3))");
    }
    try (Connection target = env.target(); Statement s = target.createStatement()) {
      s.execute("CREATE TABLE reading (id int PRIMARY KEY, amount numeric(10,2), exact numeric(14,2), "
          + "free numeric(10,2), taken timestamp(0), taken_tz timestamptz(3), declared numeric(10,2), "
          + "ferry_version bigint NOT NULL)");
    }
    final Path mapping = work.resolve("it_digits").resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.readings
            target: reading
            fields:
              id: id
              amount: amount
              exact: exact
              free: free
              taken: {from: taken}
              taken_tz: taken_tz
              declared: {from: amount, type: decimal, scale: 2, rounding: half-up}
        """);
    final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.relations", "", "test")
        .with("legacy.tables", "public.readings", "test"), EnumSet.allOf(Role.class), work);
    assertThatThrownBy(config::checkAgainstDatabases)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::toString).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).isEqualTo("mapping.yaml:6: tables[0].fields.amount = 'amount': legacy column "
                    + "public.readings.amount and target column reading.amount keep 4 and 2 digits after the point: "
                    + "the target would round every value as it stores it, silently (1.1111 is stored as 1.11). "
                    + "Declare the rounding ({from: amount, type: decimal, scale: 2, rounding: half-up}; rounding: "
                    + "unnecessary dead-letters a value that needs it), or widen the target column"),
                p -> assertThat(p).startsWith("mapping.yaml:9: tables[0].fields.taken = 'taken': legacy column "
                    + "public.readings.taken and target column reading.taken keep 6 and 0 digits of a second: the "
                    + "target would round or cut every time as it stores it, silently. Widen the target column "
                    + "(timestamp(6))")));
  }

  /**
   * Keys that would lose rows silently: a target keyed by a column the legacy key does not give (deletes would
   * lack it; a change of it would write a second row), a legacy table without a primary key, a unique rule
   * that would hold within one partition only, a generated column (logical replication does not send it), and a
   * version column too narrow for a version.
   * Each refused, with what to do.
   */
  @Test
  void aTargetKeyNotFromTheLegacyKeyAndALegacyTableWithoutAKeyAreRefused() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_keys");
    try (Connection legacy = env.legacy(); Statement s = legacy.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS hstore");
      s.execute("CREATE TABLE notes (body text NOT NULL, written date, size int GENERATED ALWAYS AS (length(body)) "
          + "STORED, num int, tags hstore)");
      // a published table without a replica identity: PostgreSQL would refuse the legacy application's updates
      s.execute("ALTER TABLE customers REPLICA IDENTITY NOTHING");
    }
    try (Connection target = env.target(); Statement s = target.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS hstore");
      s.execute("CREATE TABLE note (body text PRIMARY KEY, written date, size int, ferry_version int NOT NULL, "
          + "tags hstore, "
          + "seq int GENERATED ALWAYS AS IDENTITY, stamp date GENERATED ALWAYS AS (written) STORED, "
          + "ord int GENERATED BY DEFAULT AS IDENTITY, auto_no int GENERATED BY DEFAULT AS IDENTITY, "
          + "created_by text NOT NULL, made_at timestamptz NOT NULL DEFAULT now())");
      // a NOT NULL column no field writes, filled by a trigger before each insert: fine
      s.execute("ALTER TABLE customer ADD COLUMN created_by text NOT NULL");
      s.execute("CREATE FUNCTION stamp_creator() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          + "NEW.created_by := current_user; RETURN NEW; END $$");
      s.execute("CREATE TRIGGER customer_creator BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION "
          + "stamp_creator()");
    }
    final Path mapping = work.resolve("it_keys").resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.customers
            target: customer
            fields:
              code: company_name
              company_name: company_name
            rules:
              - {id: name-unique, field: company_name, unique: true}
          - source: public.notes
            target: note
            fields: {body: body, written: written, size: size, seq: num, stamp: written, ord: num, tags: tags}
        """);
    final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.relations", "", "test")
        .with("legacy.tables", "public.customers,public.notes", "test"), EnumSet.allOf(Role.class), work);
    assertThatThrownBy(config::checkAgainstDatabases)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::toString).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("mapping.yaml:5: tables[0].fields.code = 'code': target key column "
                    + "customer.code reads [company_name], not only the legacy key [customer_id] of "
                    + "public.customers"),
                p -> assertThat(p).startsWith("mapping.yaml:2: source = 'public.customers': legacy table "
                    + "public.customers has no replica identity (REPLICA IDENTITY NOTHING").contains("REPLICA IDENTITY "
                    + "DEFAULT"),
                p -> assertThat(p).startsWith("mapping.yaml:2: rules = 'name-unique': unique rule name-unique is "
                    + "checked within one of the 3 partitions only").contains("Add a unique index on customer"),
                p -> assertThat(p).startsWith("mapping.yaml:9: source = 'public.notes': legacy table public.notes "
                    + "has no primary key").contains("declare a primary key"),
                p -> assertThat(p).startsWith("mapping.yaml:11: tables[1].fields.size = 'size': legacy column "
                    + "public.notes.size is generated"),
                p -> assertThat(p).startsWith("mapping.yaml:9: target = 'note': version column note.ferry_version is "
                    + "integer; it holds 64-bit source versions and must be bigint"),
                // the database computes these and refuses a value; a BY DEFAULT identity (ord) takes one
                p -> assertThat(p).startsWith("mapping.yaml:11: tables[1].fields.seq = 'seq': target column note.seq "
                    + "is computed by the database (GENERATED ALWAYS)").contains("SET GENERATED BY DEFAULT"),
                p -> assertThat(p).startsWith("mapping.yaml:11: tables[1].fields.stamp = 'stamp': target column "
                    + "note.stamp is computed by the database"),
                // carried as JSON, which an hstore column refuses: the sink would stop
                p -> assertThat(p).startsWith("mapping.yaml:11: tables[1].fields.tags = 'tags': legacy column "
                    + "public.notes.tags is an hstore").contains("Map it into a jsonb"),
                // every insert would be refused; a column with a default or an identity needs no field
                p -> assertThat(p).startsWith("mapping.yaml:9: fields = 'created_by': target column note.created_by is "
                    + "NOT NULL without a default, and no field writes it")));
    // the connector started on its own refuses it too, before a publication carries the table
    try (LegacyCapture capture = config.newCapture()) {
      assertThatThrownBy(capture::start).isInstanceOf(ConfigException.class)
          .hasMessageContaining("public.customers has no replica identity")
          // a table without a primary key has none either
          .hasMessageContaining("public.notes has no replica identity");
    }
    try (Connection legacy = env.legacy()) {
      assertThat(TestDatabases.count(legacy, "SELECT count(*) FROM pg_publication WHERE pubname = '"
          + config.connector().publicationName() + "'")).isZero();
    }
  }
}
