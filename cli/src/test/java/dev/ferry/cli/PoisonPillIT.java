package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ConfluentRegistryClient;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.Stage;
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
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bad value costs one dead letter, never the pipeline: legacy values that are legal in PostgreSQL
 * but unusual (numeric NaN and infinities, infinite dates and timestamps, a value larger than Kafka's
 * default message limit) and every PostgreSQL time type into every matching target type, on the real
 * stack. Each case is followed by an ordinary row that must still arrive.
 */
class PoisonPillIT {
  private static final String LEGACY = """
      CREATE TABLE odd (id int PRIMARY KEY, amount numeric, note text, d date, t time, ttz timetz, ts timestamp,
        tstz timestamptz, iv interval, d2 date, ts2 timestamp, tstz2 timestamptz);
      """;
  private static final String TARGET = """
      CREATE TABLE odd (id int PRIMARY KEY, amount numeric, note text, d date, t time, ttz timetz, ts timestamp,
        tstz timestamptz, iv interval, d_of_ts date, d_of_tstz date, ts_of_tstz timestamp, ts_of_d timestamp,
        tstz_of_ts timestamptz, d2 date, ts2 timestamp, tstz2 timestamptz, ferry_version bigint NOT NULL);
      """;
  private static final String MAPPING = """
      tables:
        - source: public.odd
          target: odd
          fields:
            id: id
            amount: amount
            note: note
            d: d
            t: t
            ttz: ttz
            ts: ts
            tstz: tstz
            iv: iv
            d_of_ts: {from: ts, type: date}
            d_of_tstz: {from: tstz, type: date}
            ts_of_tstz: {from: tstz, type: timestamp}
            ts_of_d: {from: d, type: timestamp}
            tstz_of_ts: {from: ts, type: timestamp}
            d2: d2
            ts2: ts2
            tstz2: tstz2
      """;

  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void everyTimeTypeArrivesAndEachBadValueCostsOneDeadLetter() throws Exception {
    final String name = "it_poison";
    TestDatabases.create(stack, name, LEGACY, TARGET);
    try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
      s.execute("INSERT INTO odd VALUES (1, 12.34, 'snapshot', '2026-02-28', '13:45:56.789', '13:45:56+02', "
          + "'2026-02-28 13:45:56.123456', '2026-02-28 13:45:56.123456+01', '1 year 2 mons 3 days 04:05:06.5')");
      // the odd values streamed below, in the initial load too (read by the connector itself, the default): each
      // id 20 above its streamed twin
      s.execute("INSERT INTO odd (id, amount, note) VALUES (22, 'NaN', 'nan'), (23, 'Infinity', 'inf'), "
          + "(24, '-Infinity', '-inf')");
      s.execute("INSERT INTO odd (id, note, d, ts, tstz) VALUES (25, 'inf', 'infinity', 'infinity', '-infinity')");
      s.execute("INSERT INTO odd (id, note, d, ts, tstz) VALUES (29, '-inf', '-infinity', '-infinity', 'infinity')");
      s.execute("INSERT INTO odd (id, note, d2, ts2, tstz2) VALUES (30, 'as-is', 'infinity', '-infinity', "
          + "'infinity')");
      // legal in PostgreSQL, but past what microseconds since 1970 hold in 64 bits: one dead letter, not a stopped load
      s.execute("INSERT INTO odd (id, note, ts) VALUES (31, 'far future', '294276-06-01 00:00:00')");
    }
    try (Connection legacy = stack.legacy().connect(name + "_legacy");
        PreparedStatement ps = legacy.prepareStatement("INSERT INTO odd (id, note) VALUES (27, ?)")) {
      ps.setString(1, incompressible(20 * 1024 * 1024));
      ps.executeUpdate();
    }
    final Path mapping = work.resolve("mapping.yaml");
    Files.writeString(mapping, MAPPING);
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
        name + "_target", "public.odd", "", mapping, work), EnumSet.allOf(Role.class), work);
    try (Pipeline pipeline = new Pipeline(config).start();
        Connection legacy = stack.legacy().connect(name + "_legacy");
        Connection target = stack.target().connect(name + "_target")) {
      await().atMost(Duration.ofMinutes(2)).until(() -> row(target, 1) != null);
      try (Statement s = legacy.createStatement()) {
        s.execute("SET TIME ZONE 'UTC'");
        s.execute("INSERT INTO odd (id, amount, note) VALUES (2, 'NaN', 'nan'), (3, 'Infinity', 'inf'), "
            + "(4, '-Infinity', '-inf')");
        s.execute("INSERT INTO odd (id, note, d, ts, tstz) VALUES (5, 'inf', 'infinity', 'infinity', '-infinity')");
        s.execute("INSERT INTO odd (id, note, d, ts, tstz) VALUES (9, '-inf', '-infinity', '-infinity', 'infinity')");
        s.execute("INSERT INTO odd (id, note, d2, ts2, tstz2) VALUES (10, 'as-is', 'infinity', '-infinity', "
            + "'infinity')");
        s.execute("INSERT INTO odd VALUES (6, 0.5, 'streamed', '1999-12-31', '00:00:01', '23:59:59-05:30', "
            + "'1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999999-08', '-1 day 00:00:01')");
      }
      try (PreparedStatement ps = legacy.prepareStatement("INSERT INTO odd (id, note) VALUES (7, ?)")) {
        ps.setString(1, incompressible(20 * 1024 * 1024));
        ps.executeUpdate();
      }
      try (Statement s = legacy.createStatement()) {
        // streamed, the far-future timestamp the load dead-letters (31) arrives from Debezium as 'infinity' (seen in
        // its dead letter), which these conversions refuse; a column mapped as-is would take 'infinity' (README)
        s.execute("INSERT INTO odd (id, note, ts) VALUES (41, 'far future', '294276-06-01 00:00:00')");
        s.execute("INSERT INTO odd (id, amount, note) VALUES (8, 1, 'after the large one')");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> row(target, 8) != null);

      // records nobody registered a schema for, on a CDC topic and on the apply topic, then a good row
      final var topics = config.sink().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
      final byte[] unknownSchema = {0, 0x7f, 0x12, 0x34, 0x56, 2, 4, 6, 8};
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.kafka().producerProperties(),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topics.cdc("public.odd").name(), "11".getBytes(), unknownSchema)).get();
        producer.send(new ProducerRecord<>(topics.apply().name(), "12".getBytes(), unknownSchema)).get();
      }
      try (Statement s = legacy.createStatement()) {
        s.execute("INSERT INTO odd (id, note) VALUES (13, 'after the unknown schema ids')");
      }
      await().atMost(Duration.ofMinutes(2)).until(() -> row(target, 13) != null);

      assertThat(row(target, 1)).isEqualTo("12.34 | snapshot | 2026-02-28 | 13:45:56.789 | 11:45:56+00 | "
          + "2026-02-28 13:45:56.123456 | 2026-02-28 12:45:56.123456+00 | 1 year 2 mons 3 days 04:05:06.5 | 2026-02-28 | "
          + "2026-02-28 | 2026-02-28 12:45:56.123456 | 2026-02-28 00:00:00 | 2026-02-28 13:45:56.123456+00 | - | - | -");
      assertThat(row(target, 6)).isEqualTo("0.5 | streamed | 1999-12-31 | 00:00:01 | 05:29:59+00 | "
          + "1999-12-31 23:59:59.999999 | 2000-01-01 07:59:59.999999+00 | -1 days +00:00:01 | 1999-12-31 | 2000-01-01 | "
          + "2000-01-01 07:59:59.999999 | 1999-12-31 00:00:00 | 1999-12-31 23:59:59.999999+00 | - | - | -");
      assertThat(row(target, 2)).startsWith("NaN | nan |");
      assertThat(row(target, 3)).startsWith("Infinity | inf |");
      assertThat(row(target, 4)).startsWith("-Infinity | -inf |");
      assertThat(row(target, 10)).endsWith("| infinity | -infinity | infinity");
      assertThat(row(target, 5)).as("infinity into a converted date: refused, not a made-up date").isNull();
      assertThat(row(target, 9)).isNull();
      for (int id = 2; id <= 10; id++) {
        if (id != 6 && id != 8) {
          assertThat(row(target, id + 20)).as("loaded %d as streamed %d", id + 20, id).isEqualTo(row(target, id));
        }
      }
      assertThat(row(target, 7)).isNull();
      assertThat(row(target, 8)).startsWith("1 | after the large one");

      final List<DeadLetter> letters = DeadLetterReader.all(stack, config);
      assertThat(letters).extracting(l -> l.getStage() + " " + l.getSourceKey() + " " + l.getErrors().stream()
          .map(e -> e.getRule() + "/" + e.getField()).toList())
          .containsExactlyInAnyOrder(
              "MAP 5 [map.date/d_of_ts, map.date/d_of_tstz, map.timestamp/ts_of_tstz, map.timestamp/ts_of_d, "
                  + "map.timestamp/tstz_of_ts]",
              "MAP 9 [map.date/d_of_ts, map.date/d_of_tstz, map.timestamp/ts_of_tstz, map.timestamp/ts_of_d, "
                  + "map.timestamp/tstz_of_ts]",
              "MAP 25 [map.date/d_of_ts, map.date/d_of_tstz, map.timestamp/ts_of_tstz, map.timestamp/ts_of_d, "
                  + "map.timestamp/tstz_of_ts]",
              "MAP 29 [map.date/d_of_ts, map.date/d_of_tstz, map.timestamp/ts_of_tstz, map.timestamp/ts_of_d, "
                  + "map.timestamp/tstz_of_ts]",
              "CAPTURE 7 [capture.too-large/note]",
              "CAPTURE 27 [capture.too-large/note]",
              "CAPTURE 31 [capture.unreadable/ts]",
              "MAP 41 [map.date/d_of_ts, map.timestamp/tstz_of_ts]",
              "READ null [read.avro/null]",
              "READ null [sink.unreadable/null]");
      assertThat(row(target, 31)).isNull();
      assertThat(row(target, 41)).isNull();
      assertThat(letters.stream().filter(l -> l.getStage() == Stage.CAPTURE && l.getErrors().get(0).getRule()
          .equals("capture.unreadable"))).singleElement().satisfies(l -> assertThat(l.getErrors().get(0).getValue())
          .isEqualTo("294276-06-01 00:00:00"));
      // the streamed one and the loaded one alike
      assertThat(letters.stream().filter(l -> l.getStage() == Stage.CAPTURE && l.getErrors().get(0).getRule()
          .equals("capture.too-large"))).hasSize(2).allSatisfy(tooLarge -> {
        assertThat(tooLarge.getErrors().get(0).getValue()).isEqualTo("20,971,520 bytes");
        assertThat(tooLarge.getSourceTable()).isEqualTo("public.odd");
      });
      final DeadLetter unknown = letters.stream().filter(l -> l.getStage() == Stage.READ
          && l.getTopic().contains(".cdc.")).findFirst().orElseThrow();
      assertThat(unknown.getErrors().get(0).getMessage()).contains("writer schema id 2131899478, which the schema "
          + "registry does not know");
      assertThat(unknown.getOriginalValue().array()).isEqualTo(unknownSchema);
      assertThat(pipeline.sink().isRunning()).isTrue();
    }
  }

  private static String row(final Connection target, final int id) throws SQLException {
    try (Statement s = target.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
      try (ResultSet rs = s.executeQuery("SELECT amount, left(note, 20), d, t, ttz, ts, tstz, iv, d_of_ts, d_of_tstz, "
          + "ts_of_tstz, ts_of_d, tstz_of_ts, d2, ts2, tstz2 FROM odd WHERE id = " + id)) {
        if (!rs.next()) {
          return null;
        }
        final List<String> out = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
          out.add(rs.getString(i) == null ? "-" : rs.getString(i));
        }
        return String.join(" | ", out);
      }
    }
  }

  private static String incompressible(final int length) {
    final Random random = new Random(5);
    final StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) ('!' + random.nextInt(90)));
    }
    return sb.toString();
  }
}
