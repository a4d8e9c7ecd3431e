package dev.ferry.processor.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * What reaches the changelog of a {@link ShortLivedStore}: the test driver commits after every input record, so
 * what one record puts and deletes is what a transaction released within one commit interval puts and deletes.
 */
class ShortLivedStoreTest {
  private static final String STORE = "short-lived";

  /** Per input "op key": put, delete, or put and delete at once. */
  private static final class Writer implements Processor<String, String, Void, Void> {
    private KeyValueStore<String, String> store;

    @Override
    public void init(final ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(final Record<String, String> record) {
      switch (record.value()) {
        case "put" -> store.put(record.key(), "v-" + record.key());
        case "delete" -> store.delete(record.key());
        default -> {
          store.put(record.key(), "v-" + record.key());
          store.delete(record.key());
        }
      }
    }
  }

  private static Topology topology() {
    final Topology t = new Topology();
    t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    t.addProcessor("write", Writer::new, "in");
    t.addStateStore(ShortLivedStore.builder(STORE, Serdes.String(), Serdes.String()), "write");
    return t;
  }

  private static Properties properties() {
    final Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "app");
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    return p;
  }

  @Test
  void anEntryPutAndDeletedBetweenTwoCommitsNeverReachesTheChangelogAndOneLeftAtACommitDoes() {
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), properties())) {
      final var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      in.pipeInput("a", "put and delete");
      in.pipeInput("b", "put");
      in.pipeInput("c", "put");
      in.pipeInput("c", "delete");
      in.pipeInput("d", "delete");
      final var changelog = driver.createOutputTopic("app-" + STORE + "-changelog", new StringDeserializer(),
          new StringDeserializer());
      assertThat(changelog.readKeyValuesToList()).as("a: never written; c: written at a commit, so deleted too;"
          + " d: never held").containsExactly(KeyValue.pair("b", "v-b"), KeyValue.pair("c", "v-c"),
          KeyValue.pair("c", null));
      final KeyValueStore<String, String> store = driver.getKeyValueStore(STORE);
      assertThat(store.get("a")).isNull();
      assertThat(store.get("b")).isEqualTo("v-b");
      assertThat(store.get("c")).isNull();
    }
  }

  @Test
  void withoutARecordCacheEveryWriteGoesThrough() {
    final Properties p = properties();
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), p)) {
      driver.createInputTopic("in", new StringSerializer(), new StringSerializer()).pipeInput("a", "put and delete");
      assertThat(driver.createOutputTopic("app-" + STORE + "-changelog", new StringDeserializer(),
          new StringDeserializer()).readKeyValuesToList()).containsExactly(KeyValue.pair("a", "v-a"),
          KeyValue.pair("a", null));
    }
  }
}
