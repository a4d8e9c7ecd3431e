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

class CaptureFailureTest {
  // port 1 on loopback: nothing listens, so the slot's health cannot be read
  private final ConnectorConfig config = config();
  private final CaptureFailure failure = new CaptureFailure(config, new SlotWatch(config, lost -> { }));

  @Test
  void aPositionTheSlotNoLongerHasNamesFerrysSettingAndWhatTheTargetMisses() {
    final Throwable debezium = new RuntimeException("Unable to start task", new IllegalStateException(
        "The connector is trying to read change stream starting at Offset{lsn=1}, but this is no longer available "
        + "on the server. Reconfigure the connector to use a snapshot mode when needed."));
    assertThat(failure.explain("Error while trying to run connector class", debezium))
        .startsWith("capture shop stopped: its stored source position is older than what replication slot ferry on "
            + "127.0.0.1:1/northwind still has")
        .contains("failed over").contains("the target misses them")
        .contains("connector.snapshot-mode: when-needed (FERRY_CONNECTOR_SNAPSHOT_MODE=when-needed)");
  }

  @Test
  void aStartThatTimedOutPointsAtOpenTransactionsWhenTheSlotIsNotKnownLost() {
    assertThat(failure.explain("Time out while waiting for source task to start", null))
        .contains("did not start within its 40 s").contains("pg_stat_activity WHERE backend_xid IS NOT NULL");
  }

  @Test
  void anyOtherStopKeepsDebeziumsMessage() {
    assertThat(failure.explain("Connector configuration is not valid", null))
        .isEqualTo("capture shop stopped: Connector configuration is not valid");
  }

  @Test
  void theWordsAreLookedForThroughTheCauses() {
    final Throwable deep = new RuntimeException("a", new RuntimeException("b", new RuntimeException("needle here")));
    assertThat(CaptureFailure.anyMessageHas("x", deep, "needle")).isTrue();
    assertThat(CaptureFailure.anyMessageHas("x", deep, "thread")).isFalse();
    assertThat(CaptureFailure.anyMessageHas("x", null, "x")).isTrue();
  }

  private static ConnectorConfig config() {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    final ConfigSource source = ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "127.0.0.1:9"}
        registry: {url: "http://127.0.0.1:9"}
        legacy: {host: 127.0.0.1, port: 1, database: northwind, tables: [public.orders]}
        connector: {name: shop}
        """, "f.yaml");
    return ConnectorConfig.from(Config.resolve(source, all, List.of()), Map.of());
  }
}
