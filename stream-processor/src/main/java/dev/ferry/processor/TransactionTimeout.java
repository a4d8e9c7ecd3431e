package dev.ferry.processor;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a Kafka transaction of the processor's producers may last, within what the broker allows.
 *
 * <p>A source transaction is released in one go, inside one Kafka transaction of the processor's; one of 1,500,000
 * changes (a batch job over a whole table) took longer than Kafka Streams' 10 s, the broker aborted it, the release
 * started over after the restore, and the sync stood still (docs/benchmarks.md, session 41). So the processor asks
 * for {@link #DEFAULT}, Kafka's own limit between polls.
 *
 * <p>A broker refuses a producer whose timeout is above its {@code transaction.max.timeout.ms} (15 minutes by
 * default, often lowered on shared clusters): the processor failed at its start with Kafka's
 * {@code InvalidTxnTimeoutException}. So the broker's limit is read first: Ferry's default is lowered to it, with a
 * warning that says what that bounds; a timeout the user set above it is refused before anything starts, naming the
 * setting, its value and the broker's limit. A limit that cannot be read (an account without the right to describe
 * the cluster's configuration) leaves the timeout as it is.
 */
final class TransactionTimeout {
  static final Duration DEFAULT = Duration.ofMinutes(5);
  static final String BROKER_LIMIT = "transaction.max.timeout.ms";
  private static final Logger LOG = LoggerFactory.getLogger(TransactionTimeout.class);
  private static final String KEY = ProducerConfig.TRANSACTION_TIMEOUT_CONFIG;
  private static final long READ_SECONDS = 30;

  private TransactionTimeout() {
  }

  /** The broker's {@value #BROKER_LIMIT} (ms), read from one of {@code kafka}'s brokers; empty when it cannot be. */
  static OptionalLong brokerLimit(final KafkaSettings kafka) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      final List<Node> nodes = List.copyOf(admin.describeCluster().nodes().get(READ_SECONDS, TimeUnit.SECONDS));
      if (nodes.isEmpty()) {
        return OptionalLong.empty();
      }
      final ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.get(0).idString());
      final Config config = admin.describeConfigs(List.of(broker)).all().get(READ_SECONDS, TimeUnit.SECONDS)
          .get(broker);
      final ConfigEntry entry = config == null ? null : config.get(BROKER_LIMIT);
      return entry == null || entry.value() == null ? OptionalLong.empty()
          : OptionalLong.of(Long.parseLong(entry.value()));
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.info("cannot read the broker's {} ({}); the processor's Kafka transactions keep their timeout",
          BROKER_LIMIT, e.getCause() != null ? e.getCause().toString() : e.toString());
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }

  /**
   * Sets the producers' timeout in {@code p} (Kafka Streams' properties, the user's client properties in it): the
   * user's where set, else {@link #DEFAULT} or the broker's {@code limitMs} where that is lower.
   *
   * @throws ConfigException a timeout the user set is not a number, or above the broker's limit
   */
  static void apply(final Properties p, final OptionalLong limitMs) {
    final String producers = StreamsConfig.producerPrefix(KEY);
    final String set = p.containsKey(producers) ? producers : p.containsKey(KEY) ? KEY : null;
    if (set != null) {
      final String written = String.valueOf(p.get(set)).trim();
      final long value;
      try {
        value = Long.parseLong(written);
      } catch (NumberFormatException e) {
        throw refused(set, written, "not a number of milliseconds");
      }
      if (limitMs.isPresent() && value > limitMs.getAsLong()) {
        throw refused(set, written, "more than the broker allows (its " + BROKER_LIMIT + " is " + limitMs.getAsLong()
            + "): set at most " + limitMs.getAsLong() + ", or raise the broker's " + BROKER_LIMIT);
      }
      return;
    }
    long timeout = DEFAULT.toMillis();
    if (limitMs.isPresent() && limitMs.getAsLong() < timeout) {
      timeout = limitMs.getAsLong();
      LOG.warn("the broker allows Kafka transactions of at most {} ms ({}); the processor's are limited to that "
          + "instead of {} ms, and a source transaction that a task cannot release within it (about 500,000 changes in "
          + "30 s on two cores) starts over without end: raise the broker's {} to {}", timeout, BROKER_LIMIT,
          DEFAULT.toMillis(), BROKER_LIMIT, DEFAULT.toMillis());
    }
    p.put(producers, String.valueOf(timeout));
  }

  private static ConfigException refused(final String key, final String value, final String why) {
    return new ConfigException(List.of(new ConfigProblem("kafka.client." + key, value, null, why)));
  }
}
