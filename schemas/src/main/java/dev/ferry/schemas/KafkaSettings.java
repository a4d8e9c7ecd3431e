package dev.ferry.schemas;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import java.util.List;

/**
 * Settings every Ferry service shares: where Kafka and the schema registry are, and how Ferry's
 * topics are named and sized.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param registryUrl base URL of the Confluent-compatible registry API
 * @param topicPrefix prefix of every Ferry topic
 * @param partitions partitions of the CDC and apply topics Ferry creates
 * @param replicationFactor replication factor of the topics Ferry creates
 */
public record KafkaSettings(String bootstrapServers, String registryUrl, String topicPrefix, int partitions,
    short replicationFactor, List<Relation> relations) {

  public KafkaSettings {
    relations = List.copyOf(relations);
  }

  /** Settings without header/detail relations. */
  public KafkaSettings(final String bootstrapServers, final String registryUrl, final String topicPrefix,
      final int partitions, final short replicationFactor) {
    this(bootstrapServers, registryUrl, topicPrefix, partitions, replicationFactor, List.of());
  }

  private static final String GROUP = "kafka";

  public static final Setting<String> BOOTSTRAP_SERVERS = Setting.string("kafka.bootstrap-servers", GROUP, null,
      "Kafka bootstrap servers, host:port[,host:port...].");
  public static final Setting<String> REGISTRY_URL = Setting.string("registry.url", GROUP, null,
      "Base URL of a Confluent-compatible schema registry API (Confluent, Apicurio /apis/ccompat/v7, Redpanda, "
          + "Karapace).");
  public static final Setting<String> TOPIC_PREFIX = Setting.string("topics.prefix", GROUP, "ferry",
      "Prefix of every topic of this pipeline; pipelines sharing a cluster need different prefixes.");
  public static final Setting<Integer> PARTITIONS = Setting.integer("topics.partitions", GROUP, 3, 1, 10_000,
      "Partitions of the CDC and apply topics Ferry creates. More partitions let more processor and sink "
          + "instances share the work. Existing topics are left as they are.");
  public static final Setting<Integer> REPLICATION_FACTOR = Setting.integer("topics.replication-factor", GROUP, 1,
      1, 32, "Replication factor of the topics Ferry creates; 3 in production.");

  public static final Setting<List<Relation>> RELATIONS = new Setting<>("legacy.relations", "legacy",
      "Header/detail relations of the legacy schema, e.g. public.order_details(order_id) -> public.orders(order_id). "
          + "A header and its details share a partition, are applied parents first (children first on delete), "
          + "and the rows one source transaction changed under one header reach the target in one transaction.",
      List.of(), KafkaSettings::relations, "a list of child(columns) -> parent(columns)");

  public static final List<Setting<?>> SETTINGS =
      List.of(BOOTSTRAP_SERVERS, REGISTRY_URL, TOPIC_PREFIX, PARTITIONS, REPLICATION_FACTOR, RELATIONS);

  public static KafkaSettings from(final Config config) {
    return new KafkaSettings(config.get(BOOTSTRAP_SERVERS), config.get(REGISTRY_URL), config.get(TOPIC_PREFIX),
        config.get(PARTITIONS), config.get(REPLICATION_FACTOR).shortValue(), config.get(RELATIONS));
  }

  private static List<Relation> relations(final String raw) {
    final List<Relation> out = new java.util.ArrayList<>();
    for (final String part : raw.split(",(?![^(]*\\))")) {
      if (!part.isBlank()) {
        out.add(Relation.parse(part));
      }
    }
    return List.copyOf(out);
  }

  /** Name of the CDC topic of source table {@code schema.table}: {@code <prefix>.cdc.<schema>.<table>}. */
  public String cdcTopic(final String qualifiedTable) {
    return FerryTopics.cdcTopic(topicPrefix, qualifiedTable);
  }

  /** The pipeline's topics, with serdes talking to this registry. */
  public FerryTopics topics(final SchemaRegistry registry) {
    return new FerryTopics(topicPrefix, registry);
  }
}
