package dev.ferry.connector;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition Kafka's default partitioner gives a keyed record (murmur2 of the key), known before Kafka answers,
 * so that a transaction's commit markers can be sent right behind its events; each topic's partition count is asked
 * of Kafka once. Touched by Debezium's thread only.
 */
final class KeyPartitions {
  private final Producer<?, ?> producer;
  private final Map<String, Integer> counts = new HashMap<>();

  KeyPartitions(final Producer<?, ?> producer) {
    this.producer = producer;
  }

  int of(final String topic, final byte[] key) {
    return Utils.toPositive(Utils.murmur2(key)) % count(topic);
  }

  int count(final String topic) {
    return counts.computeIfAbsent(topic, t -> producer.partitionsFor(t).size());
  }
}
