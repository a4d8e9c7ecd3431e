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
  }
}
