package dev.ferry.processor;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Typed configuration of the stream processor.
 *
 * @param kafka shared Kafka settings
 * @param applicationId Kafka Streams application id (consumer group and internal topic prefix)
 * @param stateDir directory of local state
 * @param mapping the loaded, checked mapping
 * @param guarantee processing guarantee
 * @param commitInterval how often progress is committed
 * @param threads stream threads in this instance
 */
public record ProcessorConfig(
    KafkaSettings kafka,
    String applicationId,
    Path stateDir,
    Mapping mapping,
    ProcessingGuarantee guarantee,
    Duration commitInterval,
    int threads) {

  private static final String GROUP = "processor";

  public static final Setting<String> APPLICATION_ID = Setting.string("processor.application-id", GROUP,
      "ferry-processor", "Kafka Streams application id; instances with the same id share the work.");
  public static final Setting<String> STATE_DIR = Setting.string("processor.state-dir", GROUP, ".ferry/streams",
      "Directory for the processor's local state stores.");
  public static final Setting<String> MAPPING_FILE = Setting.string("processor.mapping-file", GROUP, null,
      "Mapping file (YAML): which source tables and columns become which target tables and columns.");
  public static final Setting<ProcessingGuarantee> GUARANTEE = Setting.option("processor.processing-guarantee",
      GROUP, ProcessingGuarantee.EXACTLY_ONCE, ProcessingGuarantee.class,
      "Kafka Streams processing guarantee.");
  public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration("processor.commit-interval", GROUP,
      Duration.ofMillis(200), Duration.ofMillis(10),
      "How often the processor commits; with exactly-once this bounds the latency to the sink.");
  public static final Setting<Integer> THREADS = Setting.integer("processor.threads", GROUP, 1, 1, 64,
      "Stream threads in this instance.");

  public static final List<Setting<?>> SETTINGS =
      List.of(APPLICATION_ID, STATE_DIR, MAPPING_FILE, GUARANTEE, COMMIT_INTERVAL, THREADS);

  public static ProcessorConfig from(final Config config, final Mapping mapping) {
    return new ProcessorConfig(KafkaSettings.from(config), config.get(APPLICATION_ID),
        Path.of(config.get(STATE_DIR)), mapping, config.get(GUARANTEE), config.get(COMMIT_INTERVAL),
        config.get(THREADS));
  }
}
