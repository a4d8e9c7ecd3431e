package dev.ferry.cli;

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
 * A partitioned legacy table syncs after its snapshot too. PostgreSQL publishes a partitioned table's changes under
 * its partitions' names unless the publication says otherwise, and the capture, which reads the tables it was given,
 * dropped them silently: the snapshot arrived, no later change did. Here the publication exists beforehand without
 * the option (as one an earlier Ferry made), and a row moves from one partition to another. The partitioned table
 * is a detail table whose primary key lacks its header's column, so its deletes need {@code REPLICA IDENTITY FULL}
 * ({@code connector.replica-identity: set-full}): on its partitions, whose deletes PostgreSQL writes, not only on
 * the partitioned table.
 */
class PartitionedTablesIT {
  private static final String LEGACY = """
      CREATE TABLE meters (id int PRIMARY KEY, place text);
      CREATE TABLE readings (id int NOT NULL, taken date NOT NULL, meter_id int NOT NULL REFERENCES meters,
        val numeric(8,2), PRIMARY KEY (id, taken)) PARTITION BY RANGE (taken);
      CREATE TABLE readings_2023 PARTITION OF readings FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
      CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      INSERT INTO meters VALUES (10, 'hall'), (20, 'yard');
      INSERT INTO readings VALUES (1, '2023-05-05', 10, 1.5), (2, '2024-05-05', 10, 2.5), (3, '2023-07-07', 20, 3.5),
        (5, '2024-08-08', 20, 5.5);
      """;
  private static final String TARGET = """
      CREATE TABLE meter (id int PRIMARY KEY, place text, ferry_version bigint NOT NULL);
      CREATE TABLE reading (id int, taken date, meter_id int, val numeric(8,2), ferry_version bigint NOT NULL,
        PRIMARY KEY (id, taken));
      """;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void changesToAPartitionedTableArriveAfterItsSnapshot() throws Exception {
    final String name = "it_partitioned";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.readings
            target: reading
            fields: {id: id, taken: taken, meter_id: meter_id, val: val}
          - source: public.meters
            target: meter
            fields: {id: id, place: place}
        """);
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.meters,public.readings", "public.readings(meter_id) -> public.meters(id)", mapping,
        work).with("connector.replica-identity", "set-full", "test"), EnumSet.allOf(Role.class), work);
    try (Connection legacy = stack.legacy().connect(name + "_legacy")) {
      TestDatabases.exec(legacy, "CREATE PUBLICATION \"" + config.connector().publicationName()
          + "\" FOR TABLE meters, readings");
    }
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, "reading"))
          .as("snapshot").isEqualTo(rows(legacy, "readings")).hasSize(4));
      try (Statement s = legacy.createStatement()) {
        s.execute("INSERT INTO readings VALUES (4, '2024-06-06', 10, 4.5)");
        s.execute("UPDATE readings SET val = 9 WHERE id = 1");
        s.execute("DELETE FROM readings WHERE id = 2");
        // a meter deleted with its readings in one transaction: its readings' deletes must name it
        s.execute("BEGIN; DELETE FROM readings WHERE meter_id = 20 AND id = 5; UPDATE meters SET place = 'gone' "
            + "WHERE id = 20; COMMIT");
        // from the 2023 partition to the 2024 one: a delete in one and an insert in the other
        s.execute("UPDATE readings SET taken = '2024-07-07' WHERE id = 3");
      }
      await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target, "reading"))
          .as("streamed").isEqualTo(rows(legacy, "readings")));
      assertThat(rows(target, "reading")).containsExactly("1|2023-05-05|10|9.00", "3|2024-07-07|20|3.50",
          "4|2024-06-06|10|4.50");
      assertThat(TestDatabases.count(legacy, "SELECT count(*) FROM pg_class WHERE relname LIKE 'readings%' "
          + "AND relreplident = 'f'")).as("the partitioned table and both partitions").isEqualTo(3);
      assertThat(DeadLetterReader.all(stack, config)).isEmpty();
      assertThat(TestDatabases.count(legacy, "SELECT count(*) FROM pg_publication WHERE pubviaroot AND pubname = '"
          + config.connector().publicationName() + "'")).as("the publication now sends changes as readings").isOne();
    }
  }

  private static List<String> rows(final Connection c, final String table) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id || '|' || taken || '|' || meter_id || '|' || val FROM " + table
            + " ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
