package dev.ferry.schemas;

import dev.ferry.config.Config;
import dev.ferry.config.Setting;
import java.util.List;
import java.util.Map;

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
    short replicationFactor, List<Relation> relations, Map<String, String> clientProperties, String registryUser,
    String registryPassword) {

  /** Keys under this prefix are Kafka client properties, passed to every client Ferry builds without it. */
  public static final String CLIENT_PREFIX = "kafka.client.";

  public KafkaSettings {
    relations = List.copyOf(relations);
    clientProperties = Map.copyOf(clientProperties);
  }

  /** Settings of a plain, unauthenticated Kafka and registry. */
  public KafkaSettings(final String bootstrapServers, final String registryUrl, final String topicPrefix,
      final int partitions, final short replicationFactor, final List<Relation> relations) {
    this(bootstrapServers, registryUrl, topicPrefix, partitions, replicationFactor, relations, Map.of(), "", "");
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

  public static final Setting<String> REGISTRY_USER = new Setting<>("registry.user", GROUP,
      "User for the schema registry's HTTP basic authentication; empty: none. TLS: an https registry.url, its CA in "
          + "the JVM's trust store (FERRY_JAVA_OPTS=-Djavax.net.ssl.trustStore=...).", "", String::trim,
      "a user name, or empty");
  public static final Setting<String> REGISTRY_PASSWORD = new Setting<>("registry.password", GROUP,
      "Password of registry.user; prefer the environment variable FERRY_REGISTRY_PASSWORD.", "", raw -> raw,
      "any text");

  public static final List<Setting<?>> SETTINGS = List.of(BOOTSTRAP_SERVERS, REGISTRY_URL, REGISTRY_USER,
      REGISTRY_PASSWORD, TOPIC_PREFIX, PARTITIONS, REPLICATION_FACTOR, RELATIONS);

  /**
   * The shared settings of {@code config}, with the Kafka client properties given as {@code kafka.client.*} keys
   * (resolve it with {@link #CLIENT_PREFIX} among the ignored prefixes): {@code kafka.client.security.protocol:
   * SASL_SSL} becomes {@code security.protocol=SASL_SSL} on every producer, consumer, admin client and Kafka
   * Streams instance Ferry builds ({@link KafkaClients}).
   */
  public static KafkaSettings from(final Config config) {
    return new KafkaSettings(config.get(BOOTSTRAP_SERVERS), config.get(REGISTRY_URL), config.get(TOPIC_PREFIX),
        config.get(PARTITIONS), config.get(REPLICATION_FACTOR).shortValue(), config.get(RELATIONS),
        config.passThrough(CLIENT_PREFIX), config.get(REGISTRY_USER), config.get(REGISTRY_PASSWORD));
  }

  /** A client of this pipeline's schema registry, authenticated when {@code registry.user} is set. */
  public ConfluentRegistryClient registry() {
    return new ConfluentRegistryClient(registryUrl, registryUser, registryPassword);
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
