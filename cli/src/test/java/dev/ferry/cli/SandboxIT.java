package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.cli.sandbox.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry sandbox --once --export}: a user's own dump (as pg_dump writes it), schema and mapping. */
class SandboxIT {
  @TempDir
  Path dir;

  @Test
  void syncsTheUsersFilesAndExportsTablesAndDeadLetters() throws Exception {
    final Path dump = dir.resolve("shop.sql");
    Files.writeString(dump, """
        --
        -- PostgreSQL database dump
        --
        SET client_encoding = 'UTF8';
        \\connect shop
        CREATE TABLE public.kunden (nr integer PRIMARY KEY, name character varying(50), land text, seit text);
        COPY public.kunden (nr, name, land, seit) FROM stdin;
        1\tMüller GmbH\tDeutschland\t01.02.2003
        2\tDupont SA\tFrankreich\t31.02.2010
        3\tSmith, Jones & Co\t\\N\t15.05.2015
        \\.
        """);
    final Path ddl = dir.resolve("target.sql");
    // a mixed-case target name, which the export quoted nowhere ("relation customer does not exist")
    Files.writeString(ddl, "CREATE TABLE \"Customer\" (id int PRIMARY KEY, name text NOT NULL, country char(2), "
        + "since date, ferry_version bigint NOT NULL);\n");
    final Path mapping = dir.resolve("mapping.yaml");
    Files.writeString(mapping, """
        version: "shop-1"
        lookups:
          countries: {values: {Deutschland: DE, Frankreich: FR}}
        tables:
          - source: public.kunden
            target: Customer
            fields:
              id: nr
              name: {from: name, type: text, trim: true}
              country: {from: land, lookup: countries, on-missing: "null"}
              since: {from: seit, type: date, formats: ["dd.MM.yyyy"]}
        """);
    final Path export = dir.resolve("out");
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final boolean ok;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      ok = new Sandbox(out, dir.resolve("work")).run(new Sandbox.Options(dump, ddl, mapping, "", true, export));
    }
    final String printed = buffer.toString(StandardCharsets.UTF_8);
    assertThat(ok).as(printed).isTrue();
    assertThat(printed).contains("skipped psql meta-command \\connect shop")
        .containsPattern("Legacy database : jdbc:postgresql://127\\.0\\.0\\.1:\\d+/sandbox_legacy")
        .containsPattern("Target database : jdbc:postgresql://127\\.0\\.0\\.1:\\d+/sandbox_target")
        .contains("Dead letters    : scripts/ferry dead-letters -c " + dir.resolve("work/sandbox/sandbox-ferry.yaml"));
    // the file it names is the sandbox's whole configuration, which every command beside it accepts (reconcile and
    // audit read the legacy database and the mapping too), wherever it is run from
    assertThat(printed).contains("Other commands  : scripts/ferry reconcile -c "
        + dir.resolve("work/sandbox/sandbox-ferry.yaml") + " --report " + dir.resolve("work/sandbox/report"));
    final FerryConfig reader = FerryConfig.load(dir.resolve("work/sandbox/sandbox-ferry.yaml"),
        java.util.EnumSet.allOf(Role.class));
    assertThat(reader.sink().kafka().topicPrefix()).isEqualTo("sandbox");
    assertThat(reader.sink().jdbcUrl()).endsWith("/sandbox_target");
    assertThat(reader.connector().database()).isEqualTo("sandbox_legacy");
    assertThat(reader.mappingFile()).isEqualTo(mapping.toAbsolutePath());

    assertThat(Files.readAllLines(export.resolve("Customer.csv"))).containsExactly(
        "id,name,country,since",
        "1,Müller GmbH,DE,2003-02-01",
        "3,\"Smith, Jones & Co\",,2015-05-15");
    final List<String> letters = Files.readAllLines(export.resolve("dead-letters.jsonl"));
    assertThat(letters).hasSize(1);
    final JsonNode letter = new ObjectMapper().readTree(letters.get(0));
    assertThat(letter.get("stage").asText()).isEqualTo("MAP");
    assertThat(letter.get("sourceTable").asText()).isEqualTo("public.kunden");
    assertThat(letter.get("sourceKey").asText()).isEqualTo("2");
    assertThat(letter.get("mappingVersion").asText()).isEqualTo("shop-1");
    final JsonNode error = letter.get("errors").get(0);
    assertThat(error.get("rule").asText()).isEqualTo("map.date");
    assertThat(error.get("field").asText()).isEqualTo("since");
    assertThat(error.get("value").asText()).isEqualTo("31.02.2010");
    assertThat(error.get("severity").asText()).isEqualTo("ERROR");
    assertThat(letter.get("originalValue").asText()).isNotEmpty();
  }
  /**
   * With --once, a target column of a type the legacy value cannot be written into (an integer into inet: SQLSTATE
   * 42804) ends the run within seconds, naming the column's problem: the sink would wait for a fix of the target
   * that no one makes in this run (it waited out the 30-minute drain timeout before).
   */
  @Test
  void aTargetThatDoesNotFitEndsARunWithOnceSayingWhy() throws Exception {
    final Path dump = dir.resolve("shop.sql");
    Files.writeString(dump, """
        CREATE TABLE public.things (id integer PRIMARY KEY, qty integer);
        INSERT INTO public.things VALUES (1, 7);
        """);
    final Path ddl = dir.resolve("target.sql");
    Files.writeString(ddl, "CREATE TABLE things (id int PRIMARY KEY, qty inet, ferry_version bigint NOT NULL);\n");
    final Path mapping = dir.resolve("mapping.yaml");
    Files.writeString(mapping, """
        tables:
          - source: public.things
            target: things
            fields:
              id: id
              qty: qty
        """);
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final boolean ok;
    final long started = System.nanoTime();
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      ok = new Sandbox(out, dir.resolve("work")).run(new Sandbox.Options(dump, ddl, mapping, "", true,
          dir.resolve("out")));
    }
    final String printed = buffer.toString(StandardCharsets.UTF_8);
    assertThat(ok).as(printed).isFalse();
    assertThat(printed).contains("The target does not fit what the sink writes: target does not fit what the sink "
        + "writes (SQLSTATE 42804)").contains("column \"qty\" is of type inet")
        .contains("Nothing was exported.");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(5));
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
