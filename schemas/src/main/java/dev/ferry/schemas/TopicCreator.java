package dev.ferry.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics a service writes to, if missing; existing topics are left untouched. */
public final class TopicCreator {
  private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

  private TopicCreator() {
  }

  /**
   * Checks that {@code names} all have the same number of partitions, which keeps a header and its
   * details on the same partition number of every topic.
   *
   * @throws IllegalStateException naming each topic's partition count when they differ
   */
  public static void requireCoPartitioned(final KafkaSettings kafka, final Collection<String> names) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      final Map<String, Integer> counts = new java.util.TreeMap<>();
      describeWhenVisible(admin, names).forEach((name, d) -> counts.put(name, d.partitions().size()));
      if (counts.values().stream().distinct().count() > 1) {
        throw new IllegalStateException("Ferry's topics must all have the same number of partitions, so that a "
            + "header and its details meet in one task; found " + counts + ". Recreate the odd ones with "
            + "topics.partitions partitions.");
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe topics " + names + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topics", e);
    }
  }

  /** Describes {@code names}, waiting up to 30 s for topics just created to become visible. */
  private static Map<String, org.apache.kafka.clients.admin.TopicDescription> describeWhenVisible(final Admin admin,
      final Collection<String> names) throws ExecutionException, InterruptedException {
    final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return admin.describeTopics(names).allTopicNames().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * Waits up to 30 s until every partition of {@code names} has a leader, then until each leader answers
   * for its partitions. Creation returns once the controller has recorded the topics, and the metadata
   * names a leader before that broker serves the partition. A producer's first request refused then
   * with NOT_LEADER_OR_FOLLOWER, while its later requests succeed, is retried forever with
   * OUT_OF_ORDER_SEQUENCE_NUMBER (an idempotent producer with several requests in flight, KAFKA-14359;
   * seen in this project's tests). A ListOffsets request goes to the leader itself, and the admin client
   * retries it until the leader serves the partition.
   */
  private static void awaitLeaders(final Admin admin, final Collection<String> names)
      throws ExecutionException, InterruptedException {
    final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      final List<String> leaderless = new ArrayList<>();
      final Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
          new java.util.HashMap<>();
      describeWhenVisible(admin, names).forEach((name, d) -> d.partitions().forEach(p -> {
        if (p.leader() == null || p.leader().isEmpty()) {
          leaderless.add(name + "-" + p.partition());
        }
        latest.put(new org.apache.kafka.common.TopicPartition(name, p.partition()),
            org.apache.kafka.clients.admin.OffsetSpec.latest());
      }));
      if (leaderless.isEmpty()) {
        try {
          admin.listOffsets(latest).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          LOG.warn("partitions not yet served by their leaders 30 s after creation: {}", latest.keySet());
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        LOG.warn("partitions still without a leader 30 s after creation: {}", leaderless);
        return;
      }
      Thread.sleep(100);
    }
  }

  /**
   * Ensures every topic in {@code names} exists.
   *
   * @param partitions partition count for new topics
   * @param singlePartition topics that must keep one partition (a global order), e.g. transaction markers
   */
  public static void ensure(final KafkaSettings kafka, final Collection<String> names, final int partitions,
      final Set<String> singlePartition) {
    ensure(kafka, names, partitions, singlePartition, Set.of());
  }

  /**
   * Ensures every topic in {@code names} exists; those in {@code keptForever} are created without a time limit on
   * their records ({@code retention.ms -1}), and an existing one that has a limit is warned about.
   *
   * <p>Why: a dead letter is the only copy of a change the pipeline refused, kept until someone fixes its cause and
   * replays it, which can be weeks later in a migration that runs for months. Under the broker's default retention
   * (7 days, often less on a shared cluster) Kafka would delete it unreplayed, and nothing would say so.
   *
   * @param keptForever topics whose records must stay until deleted on purpose, e.g. the dead-letter topic
   */
  public static void ensure(final KafkaSettings kafka, final Collection<String> names, final int partitions,
      final Set<String> singlePartition, final Set<String> keptForever) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      final Set<String> existing = admin.listTopics().names().get();
      final List<NewTopic> missing = new ArrayList<>();
      for (final String name : names) {
        if (!existing.contains(name)) {
          final Map<String, String> configs = new java.util.HashMap<>();
          configs.put("max.message.bytes", String.valueOf(FerryTopics.MAX_MESSAGE_BYTES));
          if (keptForever.contains(name)) {
            configs.put("retention.ms", "-1");
          }
          missing.add(new NewTopic(name, singlePartition.contains(name) ? 1 : partitions,
              kafka.replicationFactor()).configs(configs));
        }
      }
      warnOfRetention(admin, names.stream().filter(n -> existing.contains(n) && keptForever.contains(n)).toList());
      if (missing.isEmpty()) {
        TopicDurability.warn(admin, names);
        return;
      }
      try {
        admin.createTopics(missing).all().get();
        awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
        LOG.info("created topics {}", missing.stream().map(NewTopic::name).toList());
        TopicDurability.warn(admin, names);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics " + names + " on " + kafka.bootstrapServers() + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Warns of each topic in {@code names} whose records Kafka deletes after a time ({@code retention.ms} not -1):
   * one Ferry did not create (a platform team's defaults, an older Ferry). It is left as it is: changing a topic
   * Ferry did not create is its owner's call. A broker that does not answer is not a reason to stop.
   */
  private static void warnOfRetention(final Admin admin, final List<String> names) {
    if (names.isEmpty()) {
      return;
    }
    final List<org.apache.kafka.common.config.ConfigResource> resources = names.stream()
        .map(n -> new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, n)).toList();
    try {
      admin.describeConfigs(resources).all().get(30, java.util.concurrent.TimeUnit.SECONDS).forEach((r, config) -> {
        final org.apache.kafka.clients.admin.ConfigEntry retention = config.get("retention.ms");
        if (retention != null && retention.value() != null && !"-1".equals(retention.value())) {
          final long ms = Long.parseLong(retention.value());
          LOG.warn("topic {} deletes its records after {} (retention.ms {}): a dead letter not replayed by then is "
              + "lost without a word. Keep them until replayed: kafka-configs.sh --bootstrap-server ... --alter "
              + "--entity-type topics --entity-name {} --add-config retention.ms=-1", r.name(),
              java.time.Duration.ofMillis(ms), ms, r.name());
        }
      });
    } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
      LOG.debug("could not read the retention of {}: {}", names, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
