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
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dates and times at the calendar's edges arrive as they were, loaded and streamed, though Ferry's JVM runs in a zone
 * with summer time and a local mean time before 1893 (Europe/Berlin), as a team's own machine may: a local time that
 * does not exist in that zone (02:30 on the day the clocks go forward) or exists twice (the day they go back), dates
 * before the Gregorian calendar (year 1, 1500, and 1582-10-10, a day the JDK's old calendar does not have), and 1890
 * (Berlin's local mean time). Read through {@code java.util.Calendar} in that zone, each of these comes out shifted;
 * Ferry's direct load, its converter of streamed changes and its sink use {@code java.time} only. (Debezium's own
 * snapshot, which {@code connector.initial-load: kafka} and re-snapshots use, moves 1582-10-05..14 ten days on, in any
 * zone: the README says so.)
 */
class CalendarEdgesIT {
  private static final String COLUMNS = "(id int PRIMARY KEY, ts timestamp, d date, tz timestamptz, t time)";
  private static final String ROWS = """
      INSERT INTO moments VALUES (%d, '2026-03-29 02:30:00', '2026-03-29', '2026-03-29 02:30:00+02', '02:30'),
        (%d, '1500-06-01 12:00:00', '1500-06-01', '1500-06-01 12:00:00+00', '12:00'),
        (%d, '0001-01-01 00:00:00', '0001-01-01', '0001-01-01 00:00:00+00', '00:00'),
        (%d, '1582-10-10 10:00:00', '1582-10-10', '1582-10-10 10:00:00+00', '10:00:00.000001'),
        (%d, '1890-01-01 00:00:00', '1890-01-01', '1890-01-01 00:00:00+00', '23:59:59.999999'),
        (%d, '2026-10-25 02:30:00', '2026-10-25', '2026-10-25 02:30:00+01', '02:30');
      """;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void datesAndTimesAtTheCalendarsEdgesArriveAsTheyWereInAZoneWithSummerTime() throws Exception {
    final TimeZone before = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
    try {
      final String name = "it_calendar_edges";
      TestDatabases.create(stack, name, "CREATE TABLE moments " + COLUMNS + ";",
          "CREATE TABLE moments " + COLUMNS.replace(")", ", ferry_version bigint NOT NULL)") + ";");
      try (Connection legacy = stack.legacy().connect(name + "_legacy"); Statement s = legacy.createStatement()) {
        s.execute(ROWS.formatted(1, 2, 3, 4, 5, 6));
      }
      final Path mapping = work.resolve("mapping.yaml");
      Files.writeString(mapping, """
          tables:
            - source: public.moments
              target: moments
              fields: {id: id, ts: ts, d: d, tz: tz, t: t}
          """);
      final FerryConfig config = FerryConfig.resolve(DemoEnvironment.configSource(stack, name, name + "_legacy",
          name + "_target", "public.moments", "", mapping, work), EnumSet.allOf(Role.class), work);
      try (Pipeline pipeline = new Pipeline(config).start();
          Connection legacy = stack.legacy().connect(name + "_legacy");
          Connection target = stack.target().connect(name + "_target")) {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target)).as("loaded")
            .hasSize(6).isEqualTo(rows(legacy)));
        try (Statement s = legacy.createStatement()) {
          s.execute(ROWS.formatted(11, 12, 13, 14, 15, 16));
          s.execute("UPDATE moments SET d = '1582-10-14', ts = '2026-03-29 02:59:59.999999' WHERE id = 2");
        }
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(rows(target)).as("streamed")
            .hasSize(12).isEqualTo(rows(legacy)));
        assertThat(rows(target)).contains("{\"d\": \"1582-10-14\", \"t\": \"12:00:00\", \"id\": 2, \"ts\": "
            + "\"2026-03-29T02:59:59.999999\", \"tz\": \"1500-06-01T12:00:00+00:00\"}");
        assertThat(DeadLetterReader.all(stack, config)).isEmpty();
      }
    } finally {
      TimeZone.setDefault(before);
    }
  }

  /** Every row as PostgreSQL renders it in JSON, in UTC, by id, without Ferry's version column. */
  private static List<String> rows(final Connection c) throws SQLException {
    final List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
      try (ResultSet rs = s.executeQuery("SELECT (to_jsonb(m) - 'ferry_version')::text FROM moments m ORDER BY id")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }
}
