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

  /**
   * Per input "key op": put, delete, put and delete at once, "get" (what the store answers, sent out), "scan"
   * (every entry, sent out as "key=value" lines), or "many" (puts 1.5 times the held maximum, then deletes them).
   */
  private static final class Writer implements Processor<String, String, String, String> {
    private KeyValueStore<String, String> store;
    private ProcessorContext<String, String> context;

    @Override
    public void init(final ProcessorContext<String, String> context) {
      this.context = context;
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(final Record<String, String> record) {
      final String key = record.key();
      switch (record.value()) {
        case "put" -> store.put(key, "v-" + key);
        case "delete" -> store.delete(key);
        case "get" -> context.forward(record.withValue(String.valueOf(store.get(key))));
        case "scan" -> {
          final StringBuilder all = new StringBuilder();
          try (var it = store.all()) {
            it.forEachRemaining(kv -> all.append(kv.key).append('=').append(kv.value).append('\n'));
          }
          context.forward(record.withValue(all.toString()));
        }
        case "many" -> {
          final int n = CommitBufferedStore.MAX_HELD * 3 / 2;
          for (int i = 0; i < n; i++) {
            store.put(key + i, "v-" + i);
          }
          for (int i = 0; i < n; i++) {
            store.delete(key + i);
          }
        }
        default -> {
          store.put(key, "v-" + key);
          store.delete(key);
        }
      }
    }
  }

  private static Topology topology() {
    final Topology t = new Topology();
    t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    t.addProcessor("write", Writer::new, "in");
    t.addSink("out", "out", new StringSerializer(), new StringSerializer(), "write");
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

  @Test
  void whatIsHeldIsReadBackAndScannedBeforeTheCommit() {
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), properties())) {
      final var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      final var out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
      in.pipeInput("a", "put");
      in.pipeInput("b", "put");
      in.pipeInput("a", "delete");
      in.pipeInput("a", "get");
      in.pipeInput("b", "get");
      in.pipeInput("x", "scan");
      assertThat(out.readValuesToList()).containsExactly("null", "v-b", "b=v-b\n");
    }
  }

  @Test
  void pastItsMaximumWhatIsHeldIsWrittenEarlyAndItsDeletesFollow() {
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), properties())) {
      driver.createInputTopic("in", new StringSerializer(), new StringSerializer()).pipeInput("k", "many");
      final var changelog = driver.createOutputTopic("app-" + STORE + "-changelog", new StringDeserializer(),
          new StringDeserializer()).readKeyValuesToList();
      final long puts = changelog.stream().filter(kv -> kv.value != null).count();
      final long deletes = changelog.stream().filter(kv -> kv.value == null).count();
      assertThat(puts).as("entries written early (the deletes count as held entries too)").isPositive();
      assertThat(deletes).as("each of those deleted again, nothing else").isEqualTo(puts);
      final KeyValueStore<String, String> store = driver.getKeyValueStore(STORE);
      try (var it = store.all()) {
        assertThat(it.hasNext()).as("nothing left").isFalse();
      }
    }
  }
}
