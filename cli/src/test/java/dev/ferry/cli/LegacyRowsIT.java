package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.connector.LegacyRows;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.ConfluentRegistryClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reconcile and audit read of a legacy table ({@link LegacyRows}, over JDBC) is what the capture sends of it
 * (Debezium's snapshot, through Ferry's converter): the same columns, values and logical types, for a table with
 * every common PostgreSQL type, NULLs, and edge values (money, negative decimals, microseconds, zones, bytes, a time
 * with its zone: Debezium sends it at UTC, and so does the direct initial load, which reads rows this way).
 */
class LegacyRowsIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aRowReadOverJdbcIsTheRowTheCaptureSends() throws Exception {
    final DemoEnvironment base = DemoEnvironment.create(stack, work, "it_legacy_rows");
    try (Connection legacy = base.legacy(); Statement s = legacy.createStatement()) {
      s.execute("CREATE TABLE typed (id int PRIMARY KEY, si smallint, big bigint, r real, d double precision, "
          + "n numeric(12,4), nn numeric, m money, b boolean, t text, vc varchar(10), c char(5), dt date, "
          + "ts timestamp, tstz timestamptz, tm time, u uuid, j json, jb jsonb, by bytea, tz timetz)");
      s.execute("INSERT INTO typed VALUES (1, -3, 9000000000, 18.6, 0.1, -1234.5600, 3.14159265358979, 12.5, true, "
          + "'text', 'vc', 'ab', '2026-02-28', '2026-02-28 13:14:15.123456', '2026-02-28 13:14:15.5+02', "
          + "'07:08:09.000010', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"b\": 1, \"a\": [2]}', "
          + "'{\"b\": 1, \"a\": [2]}', '\\x00ff10', '13:14:15.5+05:30')");
      s.execute("INSERT INTO typed (id) VALUES (2)");
      s.execute("INSERT INTO typed VALUES (3, 0, 0, 0, 0, 0, 0, 0, false, '', '', '', '1970-01-01', "
          + "'1969-12-31 23:59:59', '1970-01-01 00:00:00+00', '00:00:00', "
          + "'00000000-0000-0000-0000-000000000000', '[]', '{}', '', '00:00:00-02')");
    }
    final Path dir = work.resolve("it_legacy_rows_capture");
    final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, "it_legacy_rows_capture",
        base.legacyDatabase(), base.targetDatabase(), "public.typed", "",
        work.resolve("it_legacy_rows").resolve("mapping.yaml"), dir).with("connector.initial-load", "kafka", "test"),
        EnumSet.of(Role.CONNECTOR), dir);

    final Map<String, ChangeEvent> captured = new TreeMap<>();
    try (LegacyCapture capture = new LegacyCapture(config.connector()).start()) {
      final var topics = config.connector().kafka().topics(new ConfluentRegistryClient(stack.registry().url()));
      final Properties p = new Properties();
      p.put("bootstrap.servers", stack.kafka().bootstrapServers());
      p.put("group.id", "legacy-rows-it");
      p.put("auto.offset.reset", "earliest");
      p.put("isolation.level", "read_committed");
      try (KafkaConsumer<String, ChangeEvent> c = new KafkaConsumer<>(p, new StringDeserializer(),
          topics.changeSerde().deserializer())) {
        c.subscribe(List.of(topics.cdc("public.typed").name()));
        final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (captured.size() < 3 && System.nanoTime() < deadline) {
          c.poll(Duration.ofMillis(200)).forEach(r -> {
            if (r.value().getOp() == ChangeOp.READ) {
              captured.put(Columns.keyText(r.value().getKey()), r.value());
            }
          });
        }
      }
    }
    assertThat(captured).hasSize(3);

    final Map<String, ChangeEvent> read = new TreeMap<>();
    try (Connection legacy = base.legacy()) {
      assertThat(LegacyRows.scan(legacy, "public.typed", null, e -> read.put(Columns.keyText(e.getKey()), e)))
          .isEqualTo(3);
    }
    assertThat(read.keySet()).isEqualTo(captured.keySet());
    for (final String key : captured.keySet()) {
      assertThat(shown(read.get(key).getKey())).as("key of row " + key).isEqualTo(shown(captured.get(key).getKey()));
      assertThat(shown(read.get(key).getAfter())).as("row " + key).isEqualTo(shown(captured.get(key).getAfter()));
    }
  }

  /** Each column as {@code value (Java type, logical)}, so that a difference names the column and both sides. */
  private static Map<String, String> shown(final List<ColumnValue> row) {
    final Map<String, String> out = new LinkedHashMap<>();
    for (final ColumnValue v : row) {
      final Object value = v.getValue();
      final String text = value instanceof ByteBuffer bb ? hex(bb) : String.valueOf(value);
      out.put(v.getName(), text + " (" + (value == null ? "null" : value.getClass().getSimpleName()) + ", "
          + v.getLogical() + ")");
    }
    return out;
  }

  private static String hex(final ByteBuffer bb) {
    final List<String> out = new ArrayList<>();
    final ByteBuffer copy = bb.duplicate();
    while (copy.hasRemaining()) {
      out.add(String.format("%02x", copy.get()));
    }
    return String.join("", out);
  }
}
