package dev.ferry.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.ConfigException;
import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the processor asks of Kafka Streams' clients beyond Kafka's defaults, and what a user's settings override. */
class StreamsPropertiesTest {
  private static final String MAIN_FETCH = StreamsConfig.mainConsumerPrefix("max.partition.fetch.bytes");

  @TempDir
  Path dir;

  private Properties properties(final Map<String, String> clientProperties) {
    return properties(clientProperties, OptionalLong.empty());
  }

  private Properties properties(final Map<String, String> clientProperties, final OptionalLong brokerLimit) {
    final KafkaSettings kafka = new KafkaSettings("127.0.0.1:9092", "http://127.0.0.1:8081", "t", 3, (short) 1,
        List.of(), clientProperties, "", "");
    return new StreamProcessor(TopologyFixture.serviceConfig(kafka, dir)).streamsProperties(brokerLimit);
  }

  @Test
  void theMainConsumerFetchesSmallChunksPerPartitionSoThatTasksReadInTheOrderRowsWereCaptured() {
    final Properties p = properties(Map.of());
    assertThat(p.getProperty(MAIN_FETCH)).isEqualTo(String.valueOf(StreamProcessor.FETCH_BYTES_PER_PARTITION))
        .isEqualTo("262144");
    assertThat(p.getProperty("max.partition.fetch.bytes")).isNull();
    // the restore consumer and the producer keep Kafka's defaults
    assertThat(p.getProperty(StreamsConfig.restoreConsumerPrefix("max.partition.fetch.bytes"))).isNull();
  }

  @Test
  void aFetchSizeTheUserSetIsKeptForEveryConsumer() {
    final Properties p = properties(Map.of("max.partition.fetch.bytes", "1048576"));
    assertThat(p.getProperty("max.partition.fetch.bytes")).isEqualTo("1048576");
    assertThat(p.getProperty(MAIN_FETCH)).isNull();
    // the client properties reach Kafka Streams as they are, next to what the processor always sets
    assertThat(p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(p.getProperty(StreamsConfig.consumerPrefix("isolation.level"))).isEqualTo("read_committed");
  }

  @Test
  void aFetchSizeTheUserSetForKafkaStreamsConsumersIsKeptToo() {
    assertThat(properties(Map.of(MAIN_FETCH, "2097152")).getProperty(MAIN_FETCH)).isEqualTo("2097152");
    final String consumers = StreamsConfig.consumerPrefix("max.partition.fetch.bytes");
    final Properties p = properties(Map.of(consumers, "524288"));
    assertThat(p.getProperty(consumers)).isEqualTo("524288");
    assertThat(p.getProperty(MAIN_FETCH)).isNull();
  }

  /**
   * A large source transaction's release runs inside one Kafka transaction of the processor's: Kafka Streams' 10 s
   * had the broker abort every release of 500,000 changes (docs/benchmarks.md, session 41), so the processor asks
   * for 5 minutes, unless the user set a timeout for every client or for Kafka Streams' producers.
   */
  @Test
  void theProducersTransactionsMayLastFiveMinutesUnlessTheUserSaysOtherwise() {
    final String producers = StreamsConfig.producerPrefix("transaction.timeout.ms");
    assertThat(properties(Map.of()).getProperty(producers)).isEqualTo("300000");
    final Properties everyClient = properties(Map.of("transaction.timeout.ms", "900000"));
    assertThat(everyClient.getProperty("transaction.timeout.ms")).isEqualTo("900000");
    assertThat(everyClient.getProperty(producers)).isNull();
    assertThat(properties(Map.of(producers, "60000")).getProperty(producers)).isEqualTo("60000");
  }

  /**
   * A broker that allows shorter transactions ({@code transaction.max.timeout.ms}) refused the processor's producers
   * at start: Ferry's default is lowered to its limit, and a timeout the user set above it is refused naming the
   * setting, its value and the limit.
   */
  @Test
  void theBrokersLimitLowersTheDefaultAndRefusesAUserTimeoutAboveIt() {
    final String producers = StreamsConfig.producerPrefix("transaction.timeout.ms");
    assertThat(properties(Map.of(), OptionalLong.of(60_000)).getProperty(producers)).isEqualTo("60000");
    assertThat(properties(Map.of(), OptionalLong.of(900_000)).getProperty(producers)).isEqualTo("300000");
    assertThat(properties(Map.of(producers, "45000"), OptionalLong.of(60_000)).getProperty(producers))
        .isEqualTo("45000");
    assertThatThrownBy(() -> properties(Map.of("transaction.timeout.ms", "120000"), OptionalLong.of(60_000)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("1 configuration problem:\n  - kafka.client.transaction.timeout.ms = '120000': more than the "
            + "broker allows (its transaction.max.timeout.ms is 60000): set at most 60000, or raise the broker's "
            + "transaction.max.timeout.ms");
    assertThatThrownBy(() -> properties(Map.of(producers, "soon"), OptionalLong.of(60_000)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.client." + producers + " = 'soon': not a number of milliseconds");
  }
}
