package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.ConfigSource;
import dev.ferry.connector.InitialLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FerryConfigTest {
  @TempDir
  Path dir;

  @Test
  void aSinkNeedsOnlyTheSinkKeysButATypoAnywhereIsReported() {
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        target: {jdbc-url: "jdbc:postgresql://t/db"}
        legacy: {hots: db}
        """, "ferry.yaml");
    assertThatThrownBy(() -> FerryConfig.resolve(source, EnumSet.of(Role.SINK), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::toString)
            .containsExactly("ferry.yaml:4: legacy.hots = 'db': unknown key; did you mean 'legacy.host'?"));
    final FerryConfig ok = FerryConfig.resolve(ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        target: {jdbc-url: "jdbc:postgresql://t/db"}
        """, "ferry.yaml"), EnumSet.of(Role.SINK), dir);
    assertThat(ok.sink().batchSize()).isEqualTo(5000);
    assertThat(ok.connector()).isNull();
  }

  @Test
  void aTargetUrlOfNoSupportedDialectNamesTheKeyTheValueAndTheDialects() {
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        target: {jdbc-url: "jdbc:sqlserver://t;databaseName=db"}
        """, "ferry.yaml");
    assertThatThrownBy(() -> FerryConfig.resolve(source, EnumSet.of(Role.SINK), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> {
              assertThat(p.key()).isEqualTo("target.jdbc-url");
              assertThat(p.value()).isEqualTo("jdbc:sqlserver://t;databaseName=db");
              assertThat(p.toString()).contains("jdbc:postgresql:").contains("jdbc:mariadb:");
            }));
    assertThat(FerryConfig.resolve(ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        target: {jdbc-url: "jdbc:mariadb://127.0.0.1:3306/newsystem"}
        """, "ferry.yaml"), EnumSet.of(Role.SINK), dir).sink().jdbcUrl())
        .isEqualTo("jdbc:mariadb://127.0.0.1:3306/newsystem");
  }

  @Test
  void aDirectLoadReadsTheMappingInTheConnectorAndRefusesUniqueRulesNamingThem() throws Exception {
    Files.writeString(dir.resolve("mapping.yaml"), """
        tables:
          - source: public.customers
            target: customer
            fields: {id: customer_id, email: email}
            rules:
              - {id: email-unique, field: email, unique: true}
        """);
    final String connector = """
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        legacy: {host: db, database: legacy, tables: public.customers}
        target: {jdbc-url: "jdbc:postgresql://t/db"}
        connector: {initial-load: direct}
        """;
    assertThatThrownBy(() -> FerryConfig.resolve(ConfigSource.fromYaml(connector, "ferry.yaml"),
        EnumSet.of(Role.CONNECTOR), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
          assertThat(p.key()).isEqualTo("processor.mapping-file");
          assertThat(p.message()).contains("connector.initial-load direct");
        }));
    assertThatThrownBy(() -> FerryConfig.resolve(ConfigSource.fromYaml(connector
        + "processor: {mapping-file: mapping.yaml}\n", "ferry.yaml"), EnumSet.of(Role.CONNECTOR), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
          assertThat(p.key()).isEqualTo("connector.initial-load");
          assertThat(p.value()).isEqualTo("direct");
          assertThat(p.message()).contains("public.customers (email-unique)").contains("Set connector.initial-load to "
              + "kafka");
        }));

    Files.writeString(dir.resolve("mapping.yaml"), """
        tables:
          - source: public.customers
            target: customer
            fields: {id: customer_id, email: email}
        """);
    final FerryConfig ok = FerryConfig.resolve(ConfigSource.fromYaml(connector
        + "processor: {mapping-file: mapping.yaml}\n", "ferry.yaml"), EnumSet.allOf(Role.class), dir);
    assertThat(ok.connector().loadsDirectly()).isTrue();
    assertThat(ok.processor().waitForUnseenHeaders()).as("the processor never sees the loaded headers").isFalse();
    // with no snapshot at all there is nothing to load: the mapping is not the connector's business then
    assertThat(FerryConfig.resolve(ConfigSource.fromYaml(connector.replace("{initial-load: direct}",
        "{initial-load: direct, snapshot-mode: no-data}"), "ferry.yaml"), EnumSet.of(Role.CONNECTOR), dir)
        .connector().loadsDirectly()).isFalse();
  }

  /**
   * An append-only table must be captured, in no header/detail relation, and loaded directly (its rows are keyed by
   * the read that loads them): each refusal names the key, the value and why.
   */
  @Test
  void anAppendOnlyTableIsCapturedInNoRelationAndLoadedDirectly() throws Exception {
    Files.writeString(dir.resolve("mapping.yaml"), """
        tables:
          - source: public.history
            target: history
            fields: {position: ferry_position, delta: delta}
          - source: public.orders
            target: sales_order
            fields: {id: order_id}
        """);
    final String base = """
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        legacy: {host: db, database: legacy, tables: [public.history, public.orders]}
        target: {jdbc-url: "jdbc:postgresql://t/db"}
        processor: {mapping-file: mapping.yaml}
        """;
    assertThat(FerryConfig.resolve(ConfigSource.fromYaml(base.replace("legacy: {", "legacy: {append-only: "
        + "public.history, "), "ferry.yaml"), EnumSet.allOf(Role.class), dir).connector().appendOnly())
        .containsExactly("public.history");
    assertThatThrownBy(() -> FerryConfig.resolve(ConfigSource.fromYaml(base.replace("legacy: {", "legacy: {"
        + "append-only: [public.audit, public.orders], relations: [\"public.history(id) -> public.orders(id)\"], ")
        + "connector: {initial-load: kafka}\n", "ferry.yaml"), EnumSet.allOf(Role.class), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(
            p -> p.key() + " " + p.value() + ": " + p.message()).anySatisfy(m -> assertThat(m)
                .startsWith("legacy.append-only public.audit: ").contains("not in legacy.tables"))
            .anySatisfy(m -> assertThat(m).startsWith("legacy.append-only public.orders: ")
                .contains("is in legacy.relations"))
            .anySatisfy(m -> assertThat(m).startsWith("connector.initial-load kafka: ")
                .contains("Set connector.initial-load to direct")));
  }

  @Test
  void theDefaultInitialLoadIsDirectUnlessTheMappingHasUniqueRulesAndTheConnectorNeedsTheMappingForIt()
      throws Exception {
    final String base = """
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        legacy: {host: db, database: legacy, tables: public.customers}
        target: {jdbc-url: "jdbc:postgresql://t/db"}
        """;
    assertThatThrownBy(() -> FerryConfig.resolve(ConfigSource.fromYaml(base, "ferry.yaml"), EnumSet.of(Role.CONNECTOR),
        dir)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
        .satisfies(p -> {
          assertThat(p.key()).isEqualTo("processor.mapping-file");
          assertThat(p.message()).contains("connector.initial-load auto, the default")
              .contains("or set connector.initial-load to kafka");
        }));
    assertThat(FerryConfig.resolve(ConfigSource.fromYaml(base + "connector: {initial-load: kafka}\n", "ferry.yaml"),
        EnumSet.of(Role.CONNECTOR), dir).connector().initialLoad()).as("kafka needs no mapping in the connector")
        .isEqualTo(InitialLoad.KAFKA);

    Files.writeString(dir.resolve("plain.yaml"), """
        tables:
          - source: public.customers
            target: customer
            fields: {id: customer_id, email: email}
        """);
    final FerryConfig plain = FerryConfig.resolve(ConfigSource.fromYaml(base
        + "processor: {mapping-file: plain.yaml}\n", "ferry.yaml"), EnumSet.allOf(Role.class), dir);
    assertThat(plain.connector().initialLoad()).isEqualTo(InitialLoad.DIRECT);
    assertThat(plain.connector().loadsDirectly()).isTrue();
    assertThat(plain.processor().waitForUnseenHeaders()).isFalse();

    Files.writeString(dir.resolve("unique.yaml"), """
        tables:
          - source: public.customers
            target: customer
            fields: {id: customer_id, email: email}
            rules:
              - {id: email-unique, field: email, unique: true}
        """);
    final FerryConfig unique = FerryConfig.resolve(ConfigSource.fromYaml(base
        + "processor: {mapping-file: unique.yaml}\n", "ferry.yaml"), EnumSet.allOf(Role.class), dir);
    assertThat(unique.connector().initialLoad()).as("the processor keeps the unique values' owners")
        .isEqualTo(InitialLoad.KAFKA);
    assertThat(unique.processor().waitForUnseenHeaders()).isTrue();
    assertThat(unique.initialLoad()).as("what the connector logs and ferry check prints").startsWith("initial load "
        + "kafka").contains("unique rules, public.customers (email-unique)");
    assertThat(plain.initialLoad()).startsWith("initial load direct");
    // the processor alone decides as the connector does, from the same mapping
    assertThat(FerryConfig.resolve(ConfigSource.fromYaml(base + "processor: {mapping-file: plain.yaml}\n",
        "ferry.yaml"), EnumSet.of(Role.PROCESSOR), dir).processor().waitForUnseenHeaders()).isFalse();
  }

  @Test
  void configAndMappingProblemsAreReportedTogetherBeforeAnythingStarts() throws Exception {
    Files.writeString(dir.resolve("mapping.yaml"), """
        tables:
          - source: public.orders
            target: sales_order
            fields:
              freight: {from: freight, type: decimal}
        """);
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        processor: {mapping-file: mapping.yaml, processing-guarantee: maybe}
        """, "ferry.yaml");
    assertThatThrownBy(() -> FerryConfig.resolve(source, EnumSet.of(Role.PROCESSOR), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::key)
            .containsExactlyInAnyOrder("processor.processing-guarantee", "tables[0].fields.freight.scale"));
  }

  /** At-least-once could drop a redelivered change as a duplicate after a crash (issue 14, item 4): refused. */
  @Test
  void atLeastOnceProcessingIsRefusedWithWhy() throws Exception {
    writeOrdersMapping();
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        processor: {mapping-file: mapping.yaml, processing-guarantee: at-least-once}
        """, "ferry.yaml");
    assertThatThrownBy(() -> FerryConfig.resolve(source, EnumSet.of(Role.PROCESSOR), dir))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> {
              assertThat(p.key()).isEqualTo("processor.processing-guarantee");
              assertThat(p.value()).isEqualTo("at-least-once");
              assertThat(p.message()).contains("no longer offered", "duplicate", "expected exactly-once");
            }));
  }

  /**
   * A capture without a snapshot (the target loaded by other means) means headers exist that the processor never
   * saw: by default it then passes details under unseen headers instead of waiting for them; set explicitly, the
   * setting wins.
   */
  @Test
  void detailsUnderUnseenHeadersWaitUnlessTheCaptureStartsWithoutASnapshot() throws Exception {
    writeOrdersMapping();
    final String base = """
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        processor: {mapping-file: mapping.yaml%s}
        connector: {snapshot-mode: %s, initial-load: kafka}
        """;
    assertThat(processor(base.formatted("", "initial")).waitForUnseenHeaders()).isTrue();
    assertThat(processor(base.formatted("", "initial").replace(", initial-load: kafka", "")).waitForUnseenHeaders())
        .as("the default initial load is direct for this mapping: the processor never sees the loaded headers")
        .isFalse();
    assertThat(processor(base.formatted("", "no-data")).waitForUnseenHeaders()).isFalse();
    assertThat(processor(base.formatted(", unseen-headers: wait", "no-data")).waitForUnseenHeaders()).isTrue();
    assertThat(processor(base.formatted(", unseen-headers: pass", "initial")).waitForUnseenHeaders()).isFalse();
  }

  private dev.ferry.processor.ProcessorConfig processor(final String yaml) {
    return FerryConfig.resolve(ConfigSource.fromYaml(yaml, "ferry.yaml"), EnumSet.of(Role.PROCESSOR), dir).processor();
  }

  /** Kafka client properties pass through from kafka.client.*; a JAAS configuration is never echoed. */
  @Test
  void kafkaClientPropertiesPassThroughAndAJaasConfigurationStaysSecret() throws Exception {
    writeOrdersMapping();
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka:
          bootstrap-servers: "k:9093"
          client.security.protocol: SASL_SSL
          client.sasl.jaas.config: "ScramLoginModule required username=ferry password=hunter2;"
        registry: {url: "https://r", user: ferry, password: pw}
        processor: {mapping-file: mapping.yaml}
        """, "ferry.yaml");
    final FerryConfig c = FerryConfig.resolve(source, EnumSet.of(Role.PROCESSOR), dir);
    assertThat(c.processor().kafka().clientProperties()).containsOnly(
        java.util.Map.entry("security.protocol", "SASL_SSL"),
        java.util.Map.entry("sasl.jaas.config", "ScramLoginModule required username=ferry password=hunter2;"));
    assertThat(c.processor().kafka().registryUser()).isEqualTo("ferry");
    assertThat(dev.ferry.config.Secrets.isSecretKey("kafka.client.sasl.jaas.config")).isTrue();
  }

  @Test
  void theExampleConfigurationIsValidForAllRoles() {
    final FerryConfig c = FerryConfig.load(Path.of("../ferry.example.yaml"), EnumSet.allOf(Role.class));
    assertThat(c.connector().tables()).contains("public.orders", "public.order_details");
    assertThat(c.processor().mapping().tables()).hasSize(4);
    final FerryConfig reverse = Directions.reverseOf(c, Path.of("../ferry.example.yaml"));
    assertThat(reverse.sink().control().direction()).isEqualTo(dev.ferry.schemas.LiveDirection.Direction.REVERSE);
    assertThat(reverse.processor().mapping().tables()).extracting(t -> t.targetTable())
        .containsExactly("public.customers", "public.products", "public.orders", "public.order_details");
  }

  private void writeOrdersMapping() throws java.io.IOException {
    Files.writeString(dir.resolve("mapping.yaml"), """
        tables:
          - source: public.orders
            target: sales_order
            fields: {id: order_id}
        """);
  }
}
