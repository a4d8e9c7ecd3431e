package dev.ferry.processor;

import dev.ferry.processor.mapping.RowMapper;
import dev.ferry.schemas.FerryTopics;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;

/**
 * The stream processor's topology, a pure function of its configuration:
 *
 * <pre>
 *   &lt;prefix&gt;.cdc.&lt;schema&gt;.&lt;table&gt; (one per mapped table)
 *        -&gt; map (decode, rename, convert, re-key by partition key)
 *        -&gt; &lt;prefix&gt;.apply          mapped rows, keyed so a header and its details share a partition
 *        -&gt; &lt;prefix&gt;.dead-letter    records that could not be read or mapped, with the reason
 * </pre>
 */
public final class ProcessorTopology {
  static final String SOURCE = "cdc";
  static final String MAP = "map";
  static final String APPLY_SINK = "apply";
  static final String DEAD_LETTER_SINK = "dead-letter";

  private ProcessorTopology() {
  }

  public static Topology build(final ProcessorConfig config, final FerryTopics topics) {
    final List<String> sources = config.mapping().sourceTables().stream().map(t -> topics.cdc(t).name()).toList();
    final RowMapper mapper = new RowMapper(config.mapping());
    final String version = config.mapping().version();
    final Topology topology = new Topology();
    topology.addSource(SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), sources.toArray(String[]::new));
    topology.addProcessor(MAP, () -> new ChangeMappingProcessor(topics.changeSerde(), mapper, version), SOURCE);
    topology.addSink(APPLY_SINK, topics.apply().name(), new StringSerializer(),
        topics.apply().valueSerde().serializer(), MAP);
    topology.addSink(DEAD_LETTER_SINK, topics.deadLetter().name(), new StringSerializer(),
        topics.deadLetter().valueSerde().serializer(), MAP);
    return topology;
  }
}
