package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.config.Config;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.Setting;
import dev.ferry.schemas.KafkaSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConnectorConfigTest {
  @Test
  void debeziumPropertiesCaptureExactlyTheListedTablesWithTransactionMetadata() {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "k:9092"}
        registry: {url: "http://r"}
        legacy: {host: db, database: northwind, tables: [public.orders, public.order_details]}
        connector: {snapshot-mode: no-data}
        """, "f.yaml");
    final ConnectorConfig c = ConnectorConfig.from(Config.resolve(source, all, List.of()),
        Map.of("heartbeat.interval.ms", "5000"));
    final Properties p = c.debeziumProperties();
    assertThat(p.getProperty("table.include.list")).isEqualTo("^public\\.orders$,^public\\.order_details$");
    assertThat(p.getProperty("provide.transaction.metadata")).isEqualTo("true");
    assertThat(p.getProperty("plugin.name")).isEqualTo("pgoutput");
    assertThat(p.getProperty("snapshot.mode")).isEqualTo("no_data");
    assertThat(p.getProperty("database.port")).isEqualTo("5432");
    assertThat(p.getProperty("heartbeat.interval.ms")).isEqualTo("5000");
    assertThat(p.getProperty("offset.storage")).isEqualTo(SourcePositionFile.class.getName());
    assertThat(p.getProperty("offset.storage.topic")).isNull();
    assertThat(p.getProperty("message.key.columns")).as("every table has a primary key").isNull();

    // a table without one, keyed by its replica identity index (ReplicaIdentity.keyedByIndex)
    final Properties keyed = c.debeziumProperties(List.of("public.orders", "public.order_details"), 16,
        Map.of("public.order_details", List.of("order_id", "line_no")));
    assertThat(keyed.getProperty("message.key.columns")).isEqualTo("^public\\.order_details$:order_id,line_no");
  }

  @Test
  void offsetsInKafkaGoToACompactedTopicNamedAfterThePrefixUnlessNamed() {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    final String yaml = """
        kafka: {bootstrap-servers: "k1:9092,k2:9092"}
        registry: {url: "http://r"}
        topics: {prefix: shop, replication-factor: 3}
        legacy: {host: db, database: northwind, tables: [public.orders]}
        connector: {offset-storage: kafka}
        """;
    final Properties p = ConnectorConfig.from(Config.resolve(ConfigSource.fromYaml(yaml, "f.yaml"), all, List.of()),
        Map.of()).debeziumProperties();
    assertThat(p.getProperty("offset.storage")).isEqualTo("org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
    assertThat(p.getProperty("offset.storage.topic")).isEqualTo("shop.connector-offsets");
    assertThat(p.getProperty("offset.storage.replication.factor")).isEqualTo("3");
    assertThat(p.getProperty("bootstrap.servers")).isEqualTo("k1:9092,k2:9092");
    assertThat(p.getProperty("offset.storage.file.filename")).isNull();

    final Properties named = ConnectorConfig.from(Config.resolve(ConfigSource.fromYaml(
        yaml.replace("offset-storage: kafka", "offset-storage: kafka, offset-topic: legacy-offsets"), "f.yaml"), all,
        List.of()), Map.of()).debeziumProperties();
    assertThat(named.getProperty("offset.storage.topic")).isEqualTo("legacy-offsets");
  }
}
