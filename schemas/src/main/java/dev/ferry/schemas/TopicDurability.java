package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka keeps what it acknowledged to Ferry when a broker fails. Ferry's producers wait for every in-sync
 * replica ({@code acks=all}), and their changes are gone from the legacy database's WAL once acknowledged; a topic
 * kept on one broker of several, one whose in-sync minimum lets the leader alone acknowledge, or one that may elect
 * an out-of-sync replica as leader loses such changes with a broker, and nothing downstream could tell. A service
 * warns of each at its start ({@link TopicCreator}); it changes nothing (a topic's settings are its owner's call).
 * A cluster of one broker (a laptop, the embedded stack) has nothing better to offer and is not warned about.
 */
public final class TopicDurability {
  private static final Logger LOG = LoggerFactory.getLogger(TopicDurability.class);

  private TopicDurability() {
  }

  /**
   * What in a topic's settings can lose acknowledged records, each in a sentence with the setting that helps; empty
   * when nothing.
   *
   * @param brokers brokers in the cluster
   * @param replicas the topic's replication factor (its first partition's)
   * @param minInSync its {@code min.insync.replicas}
   * @param unclean its {@code unclean.leader.election.enable}
   */
  public static List<String> risks(final String topic, final int brokers, final int replicas, final int minInSync,
      final boolean unclean) {
    final List<String> out = new ArrayList<>();
    if (brokers < 2) {
      return out;
    }
    if (replicas < 2) {
      out.add(String.format(Locale.ROOT, "topic %s has one replica on a cluster of %d brokers: the changes it holds "
          + "that Ferry has not applied are lost with that broker's disk (topics.replication-factor: 3 for topics "
          + "Ferry creates; kafka-reassign-partitions.sh for this one)", topic, brokers));
    } else if (minInSync < 2) {
      out.add(String.format(Locale.ROOT, "topic %s has %d replicas but min.insync.replicas %d: the leader alone "
          + "acknowledges a write, which its failure then loses (set min.insync.replicas to 2)", topic, replicas,
          minInSync));
    }
    if (unclean && replicas >= 2) {
      out.add("topic " + topic + " allows an out-of-sync replica to become leader (unclean.leader.election.enable "
          + "true), which drops writes already acknowledged (set it to false)");
    }
    return out;
  }

  /** Looks at {@code names} and warns of each risk; a broker that does not answer is no reason to stop. */
  static void warn(final Admin admin, final Collection<String> names) {
    try {
      final int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
      if (brokers < 2 || names.isEmpty()) {
        return;
      }
      final Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames()
          .get(30, TimeUnit.SECONDS);
      final List<ConfigResource> resources = names.stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      final Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      for (final ConfigResource r : resources) {
        final TopicDescription d = topics.get(r.name());
        final Config c = configs.get(r);
        if (d == null || c == null || d.partitions().isEmpty()) {
          continue;
        }
        final int replicas = d.partitions().get(0).replicas().size();
        for (final String risk : risks(r.name(), brokers, replicas, intOf(c.get("min.insync.replicas"), 1),
            "true".equals(valueOf(c.get("unclean.leader.election.enable"))))) {
          LOG.warn(risk);
        }
      }
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("could not look at the durability of {}: {}", names, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String valueOf(final ConfigEntry e) {
    return e == null ? null : e.value();
  }

  private static int intOf(final ConfigEntry e, final int otherwise) {
    try {
      return e == null || e.value() == null ? otherwise : Integer.parseInt(e.value());
    } catch (NumberFormatException x) {
      return otherwise;
    }
  }
}
