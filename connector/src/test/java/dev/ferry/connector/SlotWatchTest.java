package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.config.Config;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.Setting;
import dev.ferry.schemas.KafkaSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotWatchTest {
  @Test
  void aLegacyDatabaseThatCannotBeReachedIsSaidWithTheReasonAndSinceWhen() {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    // port 1 on loopback: nothing listens
    final ConnectorConfig config = ConnectorConfig.from(Config.resolve(ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "127.0.0.1:9"}
        registry: {url: "http://127.0.0.1:9"}
        legacy: {host: 127.0.0.1, port: 1, database: northwind, tables: [public.orders]}
        """, "f.yaml"), all, List.of()), Map.of());
    try (SlotWatch watch = new SlotWatch(config, lost -> { })) {
      assertThat(watch.unreachable()).isNull();
      watch.look();
      final String first = watch.unreachable();
      assertThat(first).startsWith("since 20").contains(": ").containsIgnoringCase("connection");
      watch.look();
      assertThat(watch.unreachable()).as("since the first look that failed").isEqualTo(first);
    }
  }
}
