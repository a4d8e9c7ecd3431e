package dev.ferry.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.InMemorySchemaRegistry;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.Stage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing of the mapping topology: a good change becomes an apply record keyed by its header key; an
 * unreadable or unconvertible one becomes a dead letter with its original bytes; an unmapped table is
 * not forwarded.
 */
class ProcessorTopologyTest {
  private static final String MAPPING = """
      version: "t1"
      tables:
        - source: public.order_details
          target: sales_order_line
          partition-by: order_id
          columns:
            order_id: order_id
            product_id: product_id
            unit_price: {target: unit_price, type: decimal, scale: 2}
            quantity: {target: quantity, type: integer}
      """;

  private final FerryTopics topics = new FerryTopics("t", new InMemorySchemaRegistry());
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> lines;
  private TestOutputTopic<String, ApplyRecord> apply;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void setUp() {
    final ProcessorConfig config = new ProcessorConfig(new KafkaSettings("k:9092", "http://r", "t", 1, (short) 1),
        "app", Path.of("unused"), MappingFile.parse(MAPPING, "m.yaml"), ProcessingGuarantee.AT_LEAST_ONCE,
        Duration.ofMillis(100), 1);
    final Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    driver = new TopologyTestDriver(ProcessorTopology.build(config, topics), props);
    lines = driver.createInputTopic(topics.cdc("public.order_details").name(), new StringSerializer(),
        new ByteArraySerializer());
    apply = driver.createOutputTopic(topics.apply().name(), new StringDeserializer(),
        topics.apply().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetter().name(), new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private byte[] line(final ChangeOp op, final long lsn, final Object quantity) {
    final List<ColumnValue> key = List.of(Columns.of("order_id", 10248), Columns.of("product_id", 11));
    final ChangeEvent e = ChangeEvent.newBuilder().setOp(op)
        .setSource(SourcePosition.newBuilder().setDatabase("nw").setSchema$("public").setTable("order_details")
            .setLsn(lsn).setTsMs(1L).setSnapshot(false).build())
        .setKey(key)
        .setAfter(op == ChangeOp.DELETE ? null : List.of(Columns.of("order_id", 10248), Columns.of("product_id", 11),
            Columns.of("unit_price", 14.0f), Columns.of("quantity", quantity), Columns.of("discount", 0f)))
        .build();
    return topics.changeSerde().encode(topics.cdc("public.order_details").name(), e);
  }

  @Test
  void aGoodChangeIsMappedAndKeyedByItsHeader() {
    lines.pipeInput("10248|11", line(ChangeOp.CREATE, 100, 12));
    final KeyValue<String, ApplyRecord> out = apply.readKeyValue();
    assertThat(out.key).isEqualTo("10248");
    assertThat(out.value.getTable()).isEqualTo("sales_order_line");
    assertThat(out.value.getOp()).isEqualTo(ApplyOp.UPSERT);
    assertThat(out.value.getVersion()).isEqualTo(100L);
    assertThat(out.value.getRow()).containsExactly(Columns.of("order_id", 10248), Columns.of("product_id", 11),
        Columns.of("unit_price", "14.00", "decimal"), Columns.of("quantity", 12));
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void aDeleteCarriesOnlyTheKey() {
    lines.pipeInput("10248|11", line(ChangeOp.DELETE, 200, null));
    final ApplyRecord out = apply.readValue();
    assertThat(out.getOp()).isEqualTo(ApplyOp.DELETE);
    assertThat(out.getRow()).isNull();
    assertThat(out.getKey()).containsExactly(Columns.of("order_id", 10248), Columns.of("product_id", 11));
  }

  @Test
  void anUnconvertibleValueBecomesAMapDeadLetterWithTheOriginalBytes() {
    final byte[] bad = line(ChangeOp.UPDATE, 300, "twelve");
    lines.pipeInput("10248|11", bad);
    assertThat(apply.isEmpty()).isTrue();
    final DeadLetter d = deadLetters.readValue();
    assertThat(d.getStage()).isEqualTo(Stage.MAP);
    assertThat(d.getErrors().get(0).getRule()).isEqualTo("map.integer");
    assertThat(d.getErrors().get(0).getMessage()).contains("'twelve'");
    assertThat(d.getSourceTable()).isEqualTo("public.order_details");
    assertThat(d.getSourceKey()).isEqualTo("10248|11");
    assertThat(d.getMappingVersion()).isEqualTo("t1");
    assertThat(d.getOriginalValue().array()).isEqualTo(bad);
  }

  @Test
  void unreadableBytesBecomeAReadDeadLetterKeptByteForByte() {
    final byte[] garbage = {42, 1, 2, 3};
    lines.pipeInput("x", garbage);
    final DeadLetter d = deadLetters.readValue();
    assertThat(d.getStage()).isEqualTo(Stage.READ);
    assertThat(d.getOriginalValue().array()).isEqualTo(garbage);
    assertThat(d.getTopic()).isEqualTo("t.cdc.public.order_details");
    assertThat(apply.isEmpty()).isTrue();
  }
}
