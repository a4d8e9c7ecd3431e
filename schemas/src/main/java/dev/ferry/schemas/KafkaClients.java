package dev.ferry.schemas;

import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * The one place Ferry's Kafka clients get their connection: the bootstrap servers and every client property the
 * configuration passes through ({@code kafka.client.*}: {@code security.protocol}, {@code sasl.*}, {@code ssl.*},
 * timeouts...). Each producer, consumer, admin client and Kafka Streams instance starts from
 * {@link #properties}, then adds what its role needs; a property a role sets itself (an idempotent producer's
 * acks) wins over the passed-through one, since the role depends on it.
 */
public final class KafkaClients {
  private KafkaClients() {
  }

  /** The connection properties every client of {@code kafka} starts from. */
  public static Properties properties(final KafkaSettings kafka) {
    final Properties p = new Properties();
    p.putAll(kafka.clientProperties());
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return p;
  }

  /** An admin client of {@code kafka}. */
  public static Admin admin(final KafkaSettings kafka) {
    return Admin.create(properties(kafka));
  }
}
