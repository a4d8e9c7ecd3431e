package dev.ferry.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The sink's contract against PostgreSQL (the embedded target of the shared stack), and what PostgreSQL alone has. */
class TargetSinkIT extends TargetSinkContract {

  /**
   * The target turns read-only while the sink runs (an administrator's {@code default_transaction_read_only}, the
   * sink's sessions ended so that new ones take it; a failover that left it pointing at a standby refuses writes the
   * same way, SQLSTATE 25006): that is the target, not the rows, so the sink waits and retries, dead-letters nothing,
   * and applies every row once the target takes writes again.
   */
  @Test
  void aTargetThatTurnsReadOnlyHoldsTheSinkAndDeadLettersNothing() throws Exception {
    final Env env = env("sink_readonly");
    final List<ApplyRecord> first = items(1, 500, 1, 0);
    send(env, first);
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "applied 500", () -> sink.applied() == 500);
      execute(env.db(), "ALTER DATABASE " + env.db() + " SET default_transaction_read_only = on");
      execute(env.db(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + env.db()
          + "' AND application_name = 'ferry-sink'");
      final List<ApplyRecord> more = items(501, 1500, 2, 0);
      send(env, more);
      SinkWait.until(sink, "the sink waiting for the target", () -> sink.unreadyBecause() != null
          && sink.unreadyBecause().contains("read-only"));
      Thread.sleep(2000);
      assertThat(sink.failed()).as("rows dead-lettered while the target refused every write").isZero();
      assertThat(count(env, "true")).isEqualTo(500);

      // this session takes the setting too, until it sets its own (in a transaction of its own: one begun
      // read-only stays so)
      try (Connection c = target().connect(env.db()); java.sql.Statement st = c.createStatement()) {
        st.execute("SET default_transaction_read_only = off");
        st.execute("ALTER DATABASE " + env.db() + " SET default_transaction_read_only = off");
      }
      execute(env.db(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + env.db()
          + "' AND application_name = 'ferry-sink'");
      SinkWait.until(sink, "applied 1500", () -> sink.applied() >= 1500);
      assertThat(sink.failed()).isZero();
    }
    assertThat(count(env, "true")).isEqualTo(1500);
    assertThat(count(env, "qty = 2")).isEqualTo(1000);
  }

  /**
   * Records Kafka deleted before the sink applied them (the apply topic's retention ran out while the sink was
   * stopped; here deleted the way retention deletes, from the start of each partition): the sink says how many, on
   * which partition, between which offsets, counts them and records them in the run history, then applies what
   * follows. Kafka's consumer (auto.offset.reset earliest) had moved on to the oldest record left without a word:
   * 30 changes gone and nothing said (this test, run so: no loss counted).
   */
  @Test
  void recordsKafkaDeletedBeforeTheSinkAppliedThemAreReportedAndWhatFollowsApplies() throws Exception {
    final Env env = env("sink_retention");
    final List<ApplyRecord> first = items(1, 30, 1, 0);
    send(env, first);
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "applied 30", () -> sink.applied() == 30);
    }
    final List<org.apache.kafka.common.TopicPartition> partitions = applyPartitions(env);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> applied = ends(admin, partitions);
      // the sink keeps an offset of each partition it applied: 30 keys reach all three
      assertThat(applied.values()).allMatch(o -> o > 0);
      final List<ApplyRecord> gone = items(31, 60, 2, 100);
      send(env, gone);
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> deletedTo = ends(admin, partitions);
      final java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete> del =
          new java.util.HashMap<>();
      deletedTo.forEach((tp, o) -> del.put(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(o)));
      admin.deleteRecords(del).all().get(30, TimeUnit.SECONDS);
      final long expectedLost = partitions.stream().mapToLong(tp -> deletedTo.get(tp) - applied.get(tp)).sum();
      assertThat(expectedLost).isEqualTo(30);
      final long gapsExpected = partitions.stream().filter(tp -> deletedTo.get(tp) > applied.get(tp)).count();

      final List<ApplyRecord> after = items(61, 70, 3, 200);
      send(env, after);
      try (TargetSink sink = new TargetSink(env.config()).start()) {
        SinkWait.until(sink, "applied the 10 records after the gap", () -> count(env, "qty = 3") == 10);
        assertThat(sink.runs().lost()).as("records counted as lost").isEqualTo(30);
        assertThat(sink.failed()).isZero();
      }
      final List<dev.ferry.history.RunHistory.Entry> lost = env.config().history().recent(
          dev.ferry.history.RunHistory.Kind.RECORDS_LOST, 10);
      assertThat(lost).hasSize((int) gapsExpected);
      assertThat(lost.stream().mapToLong(e -> ((Number) e.counts().get("to")).longValue()
          - ((Number) e.counts().get("from")).longValue()).sum()).isEqualTo(30);
      assertThat(lost.get(0).summary()).contains("deleted by Kafka before it applied them");
    }
    assertThat(count(env, "qty = 1")).isEqualTo(30);
    assertThat(count(env, "qty = 2")).as("the deleted changes, which only a re-snapshot brings back").isZero();
    assertThat(count(env, "true")).isEqualTo(40);
  }

  /**
   * The apply topic deleted and created again while the sink was stopped (an operator's reset, a cluster rebuilt),
   * and the new topic grown past the offsets the target keeps for the old one: every record of the new topic
   * applies. Before the sink kept each topic's id with its offsets it sought to them in the new topic and skipped,
   * without a word, the first records of every partition (here 30 of 90: this test, run so, found 60 rows).
   */
  @Test
  void anApplyTopicCreatedAgainIsReadFromItsBeginningNotFromTheOldTopicsOffsets() throws Exception {
    final Env env = env("sink_recreated");
    final List<ApplyRecord> first = items(1, 30, 1, 0);
    send(env, first);
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "applied 30", () -> sink.applied() == 30);
    }
    final String topic = env.topics().apply().name();
    final List<org.apache.kafka.common.TopicPartition> partitions = applyPartitions(env);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> kept = ends(admin, partitions);
      createAgain(admin, topic);
      final List<ApplyRecord> again = items(101, 190, 2, 1000);
      send(env, again);
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> ends = ends(admin, partitions);
      // the new topic has grown past every kept offset: a seek to one is no error Kafka would report
      partitions.forEach(tp -> assertThat(ends.get(tp)).as("end of the new %s", tp).isGreaterThan(kept.get(tp)));
    }
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "the 90 rows of the new topic applied", () -> count(env, "qty = 2") == 90);
      assertThat(sink.failed()).isZero();
      assertThat(sink.runs().lost()).isZero();
    }
    assertThat(count(env, "true")).isEqualTo(120);
  }

  /**
   * The cutover's drain asks what the sink has not applied yet ({@link SinkBacklog}). After the apply topic was deleted
   * and created again, the offsets the target keeps belong to the old topic; here the new one holds fewer records
   * than they say, so counted from them nothing was pending, and a drain would have ended with 9 changes not applied
   * (this test, run so: 0 pending).
   */
  @Test
  void aDrainAfterTheApplyTopicWasCreatedAgainCountsTheNewTopicsRecords() throws Exception {
    final Env env = env("sink_recreated_drain");
    send(env, items(1, 60, 1, 0));
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "applied 60", () -> sink.applied() == 60);
    }
    assertThat(SinkBacklog.pending(env.config())).as("pending once all is applied").isZero();
    final List<org.apache.kafka.common.TopicPartition> partitions = applyPartitions(env);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> kept = ends(admin, partitions);
      createAgain(admin, env.topics().apply().name());
      send(env, items(101, 109, 2, 1000));
      final java.util.Map<org.apache.kafka.common.TopicPartition, Long> ends = ends(admin, partitions);
      // the shape that hid them: every partition of the new topic ends at or before the offset kept for the old one
      partitions.forEach(tp -> assertThat(ends.get(tp)).as("end of the new %s", tp).isLessThanOrEqualTo(kept.get(tp)));
    }
    assertThat(SinkBacklog.pending(env.config())).as("the new topic's 9 records, not applied").isPositive();
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, "the 9 rows of the new topic applied", () -> count(env, "qty = 2") == 9);
      assertThat(sink.failed()).isZero();
    }
    assertThat(SinkBacklog.pending(env.config())).as("pending once the new topic is applied").isZero();
  }

  /** Deletes {@code topic} and creates it again (3 partitions), as an operator's reset would. */
  private static void createAgain(final org.apache.kafka.clients.admin.Admin admin, final String topic)
      throws Exception {
    admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    // the broker takes a moment to forget a deleted topic: until then it refuses to create it again
    await("topic " + topic + " created again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> {
          admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 3, (short) 1))).all()
              .get(10, TimeUnit.SECONDS);
          return true;
        });
  }

  /**
   * The dead-letter topic the sink creates keeps its records until they are deleted on purpose: a dead letter is the
   * only copy of a refused change, replayed once its cause is fixed, maybe weeks later; under the broker's retention
   * (7 days by default) it went without a word. The apply topic keeps the broker's retention: what it holds is
   * applied within seconds, and a gap in it is reported (above).
   */
  @Test
  void theDeadLetterTopicTheSinkCreatesKeepsItsRecordsUntilDeletedOnPurpose() throws Exception {
    final Env env = env("sink_dlq_kept");
    final SinkConfig c = env.config();
    final dev.ferry.schemas.KafkaSettings fresh = new dev.ferry.schemas.KafkaSettings(c.kafka().bootstrapServers(),
        c.kafka().registryUrl(), env.db() + "-fresh", 3, (short) 1);
    final SinkConfig config = new SinkConfig(fresh, c.jdbcUrl(), c.user(), "", c.groupId(), 1000, "ferry_version",
        "ferry_sink_offsets", Duration.ofSeconds(1));
    final dev.ferry.schemas.FerryTopics topics = fresh.topics(fresh.registry());
    try (TargetSink sink = new TargetSink(config).start()) {
      SinkWait.until(sink, "the sink running", sink::isRunning);
    }
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      final var dlq = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.deadLetter().name());
      final var apply = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.apply().name());
      final var configs = admin.describeConfigs(List.of(dlq, apply)).all().get(30, TimeUnit.SECONDS);
      assertThat(configs.get(dlq).get("retention.ms").value()).isEqualTo("-1");
      assertThat(configs.get(apply).get("retention.ms").value()).isNotEqualTo("-1");
    }
  }

  /**
   * Dead letters Kafka deleted before a replay pass read them (a dead-letter topic created by other means, with the
   * broker's retention): the pass says how many, where, and what still repairs their rows, and records the count in
   * the run history; Kafka's consumer started after them without a word.
   */
  @Test
  void deadLettersKafkaDeletedBeforeAReplayReadThemAreSaid() throws Exception {
    final Env env = env("sink_dlq_deleted");
    final String dlq = env.topics().deadLetter().name();
    try (KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(stack.kafka().producerProperties(),
        new StringSerializer(), env.topics().deadLetter().valueSerde().serializer())) {
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>(dlq, 0, String.valueOf(i), dev.ferry.schemas.DeadLetters.of(
            dev.ferry.schemas.Stage.MAP, env.topics().cdc("public.item").name(), -1, -1L,
            String.valueOf(i).getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {0, 1, 2}, "public.item",
            String.valueOf(i), (long) i, List.of(dev.ferry.schemas.DeadLetters.error("map.required", "qty", null,
                "no qty", "map qty")), null))).get(1, TimeUnit.MINUTES);
      }
    }
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      admin.deleteRecords(java.util.Map.of(new org.apache.kafka.common.TopicPartition(dlq, 0),
          org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(3))).all().get(30, TimeUnit.SECONDS);
    }
    final java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    final DeadLetterReplay.Summary pass = new DeadLetterReplay(env.config()).run(new DeadLetterReplay.Options(
        java.util.Set.of(), java.util.Set.of(), true, false), new java.io.PrintStream(printed, true,
        java.nio.charset.StandardCharsets.UTF_8));
    assertThat(pass.read()).as("letters left to read").isEqualTo(2);
    assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("3 dead letter(s) of " + dlq
        + "-0 (offsets 0 to 2) were deleted by Kafka before a replay pass read them");
    assertThat(env.config().history().recent(dev.ferry.history.RunHistory.Kind.REPLAY, 1).get(0).counts()
        .get("deletedBeforeRead")).isEqualTo(3);
  }

  /**
   * A sink held at a cutover while Kafka deleted what waited for it (a rollback weeks later, past the apply topic's
   * retention), restarted while it still holds: once its direction is live again it says what was lost, and
   * applies what came after. A holding sink's poll reads nothing, but the partitions it is given in that poll are
   * fetched before they are paused, and a gap found there stopped the sink (this test, before that poll went through
   * the same check).
   */
  @Test
  void aSinkHeldWhileKafkaDeletedWhatWaitedForItSaysSoOnceLiveAndAppliesTheRest() throws Exception {
    final Env env = env("sink_held_gap");
    final SinkConfig c = env.config();
    final String control = env.db() + "-control";
    final SinkConfig reverse = reverseSink(c, control);
    dev.ferry.schemas.LiveDirection.publish(c.kafka(), control, dev.ferry.schemas.LiveDirection.Direction.REVERSE,
        "TargetSinkIT");
    final List<ApplyRecord> first = items(1, 30, 1, 0);
    send(env, first);
    final List<org.apache.kafka.common.TopicPartition> partitions = applyPartitions(env);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
      try (TargetSink sink = new TargetSink(reverse).start()) {
        SinkWait.until(sink, "applied 30", () -> sink.applied() == 30);
        dev.ferry.schemas.LiveDirection.publish(c.kafka(), control, dev.ferry.schemas.LiveDirection.Direction.FORWARD,
            "TargetSinkIT");
        // its answer on the control topic says the flip has reached it (what ferry cutover waits for)
        SinkWait.until(sink, Duration.ofSeconds(30), "the sink's answer: standby", () -> {
          final var answer = dev.ferry.schemas.LiveDirection.read(c.kafka(), control).answers().get("sink/"
              + c.groupId());
          return answer != null && "standby".equals(answer.state()) && answer.epoch() == 2;
        });
        final List<ApplyRecord> gone = new ArrayList<>();
        for (int i = 31; i <= 60; i++) {
          gone.add(item(i, 2, 100 + i));
        }
        send(env, gone);
        SinkWait.until(sink, "30 records counted as held", () -> sink.heldRecords() >= 30);
      }
      final java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete> del =
          new java.util.HashMap<>();
      ends(admin, partitions).forEach((tp, o) -> del.put(tp,
          org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(o)));
      admin.deleteRecords(del).all().get(30, TimeUnit.SECONDS);
      final List<ApplyRecord> after = items(61, 70, 3, 200);
      send(env, after);
      try (TargetSink sink = new TargetSink(reverse).start()) {
        SinkWait.until(sink, "holding, with its partitions", () -> !sink.live() && sink.lag() >= 0);
        Thread.sleep(2_000);
        assertThat(sink.isRunning()).as("the held sink still runs").isTrue();
        dev.ferry.schemas.LiveDirection.publish(c.kafka(), control, dev.ferry.schemas.LiveDirection.Direction.REVERSE,
            "TargetSinkIT");
        SinkWait.until(sink, "applied the 10 records after the gap", () -> count(env, "qty = 3") == 10);
        assertThat(sink.isRunning()).isTrue();
      }
    }
    final List<dev.ferry.history.RunHistory.Entry> lost = c.history().recent(
        dev.ferry.history.RunHistory.Kind.RECORDS_LOST, 10);
    assertThat(lost.stream().mapToLong(e -> ((Number) e.counts().get("to")).longValue()
        - ((Number) e.counts().get("from")).longValue()).sum()).as("records counted as lost").isEqualTo(30);
    assertThat(count(env, "qty = 2")).isZero();
    assertThat(count(env, "true")).isEqualTo(40);
  }

  /** {@code c} as the reverse direction's sink, following the live direction on {@code control}. */
  private static SinkConfig reverseSink(final SinkConfig c, final String control) {
    return new SinkConfig(c.kafka(), c.jdbcUrl(), c.user(), "", c.groupId(), 1000, "ferry_version",
        "ferry_sink_offsets", Duration.ofSeconds(1), "ferry_tombstones", Duration.ofDays(1), 1000, "ferry_parked",
        Duration.ofMinutes(1), 500, "", 1, "ferry_sweeps", true, "ferry_history", true, "ferry_row_versions",
        new dev.ferry.schemas.LiveDirection.Settings(dev.ferry.schemas.LiveDirection.Direction.REVERSE, control));
  }

  /** Items {@code from} to {@code to} with quantity {@code qty}, item i at version {@code versionBase + i}. */
  private static List<ApplyRecord> items(final int from, final int to, final int qty, final long versionBase) {
    final List<ApplyRecord> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(item(i, qty, versionBase + i));
    }
    return out;
  }

  /** The three partitions of {@code env}'s apply topic. */
  private static List<org.apache.kafka.common.TopicPartition> applyPartitions(final Env env) {
    final List<org.apache.kafka.common.TopicPartition> out = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      out.add(new org.apache.kafka.common.TopicPartition(env.topics().apply().name(), p));
    }
    return out;
  }

  private static java.util.Map<org.apache.kafka.common.TopicPartition, Long> ends(
      final org.apache.kafka.clients.admin.Admin admin, final List<org.apache.kafka.common.TopicPartition> partitions)
      throws Exception {
    final java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ask =
        new java.util.HashMap<>();
    partitions.forEach(tp -> ask.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
    final java.util.Map<org.apache.kafka.common.TopicPartition, Long> out = new java.util.HashMap<>();
    admin.listOffsets(ask).all().get(30, TimeUnit.SECONDS).forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }

  /**
   * A sink whose direction is not live holds what arrives on its apply topic and says how much waits (after a
   * cutover, the legacy application still writing; the forward sink holds): nothing applied, about 3 records counted,
   * then all of it applied once its direction is live, and nothing counted any more.
   */
  @Test
  void aSinkThatHoldsCountsWhatWaitsAndAppliesItOnceItsDirectionIsLive() throws Exception {
    final Env env = env("sink_held");
    final SinkConfig c = env.config();
    final String control = env.db() + "-control";
    final SinkConfig reverse = reverseSink(c, control);
    try (TargetSink sink = new TargetSink(reverse).start()) {
      send(env, List.of(item(1, 1, 10), item(2, 2, 10), item(3, 3, 10)));
      SinkWait.until(sink, Duration.ofMinutes(1), "3 records counted as held", () -> sink.heldRecords() >= 3);
      assertThat(sink.live()).isFalse();
      // and said on the control topic, where ferry status reads it
      SinkWait.until(sink, Duration.ofSeconds(30), "the held records in the sink's answer", () -> {
        final var answer = dev.ferry.schemas.LiveDirection.read(c.kafka(), control).answers().get("sink/"
            + c.groupId());
        return answer != null && "standby".equals(answer.state()) && Long.valueOf(3).equals(answer.figures()
            .get("held"));
      });
      assertThat(count(env, "true")).as("rows applied while the sink holds").isZero();

      dev.ferry.schemas.LiveDirection.publish(c.kafka(), control, dev.ferry.schemas.LiveDirection.Direction.REVERSE,
          "TargetSinkIT");
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 3", () -> sink.applied() == 3);
      assertThat(sink.heldRecords()).isZero();
      SinkWait.until(sink, Duration.ofSeconds(30), "the sink's answer: live, nothing held", () -> {
        final var answer = dev.ferry.schemas.LiveDirection.read(c.kafka(), control).answers().get("sink/"
            + c.groupId());
        return answer != null && "live".equals(answer.state()) && answer.figures().isEmpty();
      });
      assertThat(sink.failed()).isZero();
    }
    assertThat(count(env, "true")).isEqualTo(3);
  }

  /**
   * A group under a relation larger than one retry of parked rows (1,000) waits whole and applies whole: item 70 with
   * 1,200 parts on it and one on item 99, which comes later. Parked rows are retried least-tried first, 1,000 at a
   * time, and a group larger than that was let through in parts: the first retry applied item 70 with 999 of its
   * parts while the group still waited for item 99 (this test, before the retry read the rest of such a group by its
   * key). Triggers note the target transaction that wrote each row.
   */
  @Test
  void aParkedGroupLargerThanOneRetryWaitsWholeAndAppliesInOneTransaction() throws Exception {
    final Env env = env("sink_large_parked");
    execute(env.db(), "CREATE TABLE part (id int PRIMARY KEY, item_id int NOT NULL REFERENCES item (id), "
        + "ferry_version bigint NOT NULL)");
    execute(env.db(), "CREATE TABLE written (tx bigint NOT NULL, tbl text NOT NULL, id int NOT NULL)");
    execute(env.db(), "CREATE FUNCTION note_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + "INSERT INTO written VALUES (txid_current(), TG_TABLE_NAME, NEW.id); RETURN NULL; END $$");
    execute(env.db(), "CREATE TRIGGER item_written AFTER INSERT ON item FOR EACH ROW EXECUTE FUNCTION note_written()");
    execute(env.db(), "CREATE TRIGGER part_written AFTER INSERT ON part FOR EACH ROW EXECUTE FUNCTION note_written()");
    final int size = 1_202;
    final List<ApplyRecord> group = new ArrayList<>();
    group.add(grouped(item(70, 7, 100), "tx5/70", 0, size));
    for (int i = 1; i < size; i++) {
      group.add(grouped(part(i, i < size - 1 ? 70 : 99), "tx5/70", i, size));
    }
    send(env, group);
    final SinkConfig c = env.config();
    final SinkConfig config = new SinkConfig(new dev.ferry.schemas.KafkaSettings(c.kafka().bootstrapServers(),
        c.kafka().registryUrl(), c.kafka().topicPrefix(), c.kafka().partitions(), c.kafka().replicationFactor(),
        List.of(dev.ferry.schemas.Relation.parse("public.part(item_id) -> public.item(id)"))), c.jdbcUrl(),
        c.user(), "", c.groupId(), 1000, "ferry_version", "ferry_sink_offsets", Duration.ofSeconds(1),
        "ferry_tombstones", Duration.ofDays(1), 5_000, "ferry_parked", Duration.ofMinutes(5), 500, "", 1,
        "ferry_sweeps", true, "ferry_history", true, "ferry_row_versions",
        dev.ferry.schemas.LiveDirection.Settings.DEFAULT);
    try (TargetSink sink = new TargetSink(config).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "the group parked", () -> sink.parked() == size);
      SinkWait.until(sink, Duration.ofMinutes(1), "every parked row retried twice",
          () -> count(env, "ferry_parked", "attempts < 2") == 0);
      assertThat(count(env, "id = 70")).as("the group's item, while the group waits").isZero();
      assertThat(count(env, "part", "true")).as("the group's parts, while the group waits").isZero();

      send(env, List.of(item(99, 9, 10)));
      SinkWait.until(sink, Duration.ofMinutes(1), "the group applied", () -> count(env, "part", "true") == size - 1);
      // the count of rows parked is set once the retry's transaction committed, a moment after its rows show
      SinkWait.until(sink, Duration.ofSeconds(10), "nothing parked", () -> sink.parked() == 0);
      assertThat(sink.failed()).isZero();
    }
    assertThat(count(env, "written", "tbl = 'part' OR tbl = 'item' AND id = 70")).isEqualTo(size);
    try (Connection db = target().connect(env.db()); Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(DISTINCT tx) FROM written "
            + "WHERE tbl = 'part' OR tbl = 'item' AND id = 70")) {
      rs.next();
      assertThat(rs.getLong(1)).as("target transactions that wrote the group").isEqualTo(1);
    }
  }

  /**
   * A target that refuses a transaction for its size alone, the same way every time (PostgreSQL out of shared
   * memory: its lock table, which a transaction over many partitions or tables fills; here a trigger refuses the
   * 251st row of a transaction with that error): the sink tries the batch three times, then applies it in halves,
   * halved again while refused, never cutting a group (three rows from one source transaction) apart. It retried
   * the whole batch forever before, and applied nothing more (this test, run so: 0 rows).
   */
  @Test
  void aBatchTheTargetRefusesForItsSizeIsAppliedInSmallerTransactionsWithEveryGroupWhole() throws Exception {
    final Env env = env("sink_too_large");
    execute(env.db(), "CREATE TABLE written (tx bigint NOT NULL, id int NOT NULL)");
    execute(env.db(), "CREATE FUNCTION lock_table() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE n int := "
        + "coalesce(nullif(current_setting('test.rows', true), ''), '0')::int + 1; BEGIN "
        + "PERFORM set_config('test.rows', n::text, true); "
        + "IF n > 250 THEN RAISE EXCEPTION 'out of shared memory' USING ERRCODE = '53200', "
        + "HINT = 'You might need to increase max_locks_per_transaction.'; END IF; "
        + "INSERT INTO written VALUES (txid_current(), NEW.id); RETURN NEW; END $$");
    execute(env.db(), "CREATE TRIGGER item_lock_table BEFORE INSERT OR UPDATE ON item FOR EACH ROW "
        + "EXECUTE FUNCTION lock_table()");
    final List<ApplyRecord> groups = new ArrayList<>();
    for (int g = 0; g < 300; g++) {
      for (int i = 0; i < 3; i++) {
        groups.add(grouped(item(g * 3 + i + 1, i + 1, 1_000 + g), "tx" + g, i, 3));
      }
    }
    send(env, groups);
    try (TargetSink sink = new TargetSink(env.config()).start()) {
      SinkWait.until(sink, Duration.ofMinutes(2), "applied 900", () -> count(env, "true") == 900);
      assertThat(sink.failed()).isZero();
      assertThat(sink.splitBatches()).as("batches applied in parts").isPositive();
    }
    try (Connection db = target().connect(env.db()); Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT max(n), count(*) FROM (SELECT count(DISTINCT w.tx) AS n "
            + "FROM written w GROUP BY (w.id - 1) / 3) g")) {
      rs.next();
      assertThat(rs.getLong(1)).as("target transactions that wrote one group").isEqualTo(1);
      assertThat(rs.getLong(2)).as("groups written").isEqualTo(300);
    }
  }

  private static ApplyRecord part(final int id, final int itemId) {
    return ApplyRecord.newBuilder().setTable("part").setOp(ApplyOp.UPSERT).setKey(List.of(Columns.of("id", id)))
        .setRow(List.of(Columns.of("id", id), Columns.of("item_id", itemId))).setVersion(5 + id)
        .setSourceTable("public.part").setSourceTsMs(0L).build();
  }

  /**
   * An initial sync's batch in which rows come before the rows they reference (lines whose item is on another
   * partition, and notes on those lines): the target refuses the batch, the sink asks it which referenced rows it
   * lacks ({@link MissingReferences}), parks exactly the rows that wait, a note on a waiting line too, writes the
   * rest whole (COPY from 50 rows), checks the next batch before writing it, and applies the parked rows once their
   * items come.
   */
  @Test
  void rowsWaitingForReferencedRowsAreFoundBeforeTheRestOfTheBatchIsWrittenWhole() throws Exception {
    final Env env = env("sink_waiting");
    execute(env.db(), "CREATE TABLE part (id int PRIMARY KEY, item_id int NOT NULL, ferry_version bigint NOT NULL, "
        + "CONSTRAINT part_item_id_fkey FOREIGN KEY (item_id) REFERENCES item (id))");
    execute(env.db(), "CREATE TABLE note (id int PRIMARY KEY, part_id int NOT NULL REFERENCES part (id), "
        + "ferry_version bigint NOT NULL)");
    final List<ApplyRecord> batch = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      // every sixth part is on an item that is not there yet (1,001-1,050)
      batch.add(row("part", i, "item_id", i % 6 == 0 ? 1000 + i / 6 : 1 + i % 100));
      batch.add(row("note", i, "part_id", i));
    }
    for (int i = 1; i <= 100; i++) {
      batch.add(item(i, i, 1));
    }
    final SinkConfig config = oneWriter(env, 50);
    sendToOnePartition(env, batch);
    try (TargetSink sink = new TargetSink(config).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 600", () -> sink.applied() == 600);
      assertThat(sink.parked()).isEqualTo(100);
      assertThat(sink.failed()).isZero();
      assertThat(count(env, "part", "item_id > 1000")).isZero();
      assertThat(count(env, "part", "item_id <= 100")).isEqualTo(250);
      assertThat(count(env, "note", "part_id % 6 <> 0")).isEqualTo(250);
      assertThat(count(env, "note", "true")).isEqualTo(250);
      // each was found by the check, not by halving the batch down to it (the target's own error has no such words)
      final List<String> why = rows(env, "SELECT error FROM ferry_parked ORDER BY id");
      assertThat(why).hasSize(100).allMatch(e -> e.endsWith("; found before writing)"));
      assertThat(why).contains("insert or update on table \"part\" violates foreign key constraint "
          + "\"part_item_id_fkey\" (Key (item_id)=(1001) is not present in table \"item\"; found before writing)");
      assertThat(why).filteredOn(e -> e.contains("table \"note\"")).hasSize(50);

      // rows waited in the last batch, so the next is checked before it is written: no refused write, no split
      final long split = sink.splitBatches();
      final List<ApplyRecord> more = new ArrayList<>();
      for (int i = 301; i <= 330; i++) {
        more.add(row("part", i, "item_id", i <= 320 ? 2000 + i - 300 : i - 300));
      }
      sendToOnePartition(env, more);
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 610", () -> sink.applied() == 610);
      assertThat(sink.parked()).isEqualTo(120);
      assertThat(sink.splitBatches()).isEqualTo(split);

      final List<ApplyRecord> items = new ArrayList<>();
      for (int i = 1001; i <= 1050; i++) {
        items.add(item(i, i, 1));
      }
      for (int i = 2001; i <= 2020; i++) {
        items.add(item(i, i, 1));
      }
      sendToOnePartition(env, items);
      // the count of rows parked is set once a retry's transaction committed, a moment after its rows show
      SinkWait.until(sink, Duration.ofMinutes(1), "all applied, nothing parked", () -> count(env, "note", "true") == 300
          && count(env, "part", "true") == 330 && sink.parked() == 0);
      assertThat(sink.failed()).isZero();
    }
  }

  /**
   * Keys of other shapes than an int: a foreign key of two columns (an int and a text with a quote in it) to a table
   * whose name needs quoting, one to a uuid, and one whose text column is null (not checked: the target does not
   * check it either). Only the rows whose referenced row is missing wait; the others, the null one among them,
   * apply at once; the waiting ones apply once their rows come.
   */
  @Test
  void rowsWaitingOnKeysOfSeveralColumnsAndTypesAreFoundToo() throws Exception {
    final Env env = env("sink_waiting_keys");
    execute(env.db(), "CREATE TABLE \"Ref\" (a int, b text, ferry_version bigint NOT NULL, PRIMARY KEY (a, b))");
    execute(env.db(), "CREATE TABLE uref (u uuid PRIMARY KEY, ferry_version bigint NOT NULL)");
    execute(env.db(), "CREATE TABLE child (id int PRIMARY KEY, ra int, rb text, u uuid REFERENCES uref, "
        + "ferry_version bigint NOT NULL, FOREIGN KEY (ra, rb) REFERENCES \"Ref\" (a, b))");
    final String present = "6f1c2b3a-0000-4000-8000-000000000001";
    final String missing = "6f1c2b3a-0000-4000-8000-000000000002";
    final List<ApplyRecord> batch = new ArrayList<>(List.of(
        upsert("Ref", List.of(Columns.of("a", 1), Columns.of("b", "o'clock"))),
        upsert("uref", List.of(Columns.of("u", present, "uuid"))),
        child(1, 1, "o'clock", present),
        child(2, 1, "O'CLOCK", present),
        child(3, 2, null, present),
        child(4, 1, "o'clock", missing)));
    for (int i = 10; i < 60; i++) {
      batch.add(child(i, 1, "o'clock", present));
    }
    sendToOnePartition(env, batch);
    final SinkConfig config = oneWriter(env, 500);
    try (TargetSink sink = new TargetSink(config).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 54", () -> sink.applied() == 54);
      assertThat(sink.parked()).isEqualTo(2);
      assertThat(sink.failed()).isZero();
      assertThat(count(env, "child", "id IN (2, 4)")).isZero();
      assertThat(count(env, "child", "id = 3 AND rb IS NULL")).isEqualTo(1);
      assertThat(rows(env, "SELECT error FROM ferry_parked ORDER BY id")).containsExactly(
          "insert or update on table \"child\" violates foreign key constraint \"child_ra_rb_fkey\" (Key (ra, rb)=(1, "
              + "O'CLOCK) is not present in table \"Ref\"; found before writing)",
          "insert or update on table \"child\" violates foreign key constraint \"child_u_fkey\" (Key (u)=(" + missing
              + ") is not present in table \"uref\"; found before writing)");
      sendToOnePartition(env, List.of(upsert("Ref", List.of(Columns.of("a", 1), Columns.of("b", "O'CLOCK"))),
          upsert("uref", List.of(Columns.of("u", missing, "uuid")))));
      SinkWait.until(sink, Duration.ofMinutes(1), "all applied, nothing parked",
          () -> count(env, "child", "true") == 54 && sink.parked() == 0);
      assertThat(sink.failed()).isZero();
    }
  }

  /**
   * A unique constraint the target checks at commit ({@code DEFERRABLE INITIALLY DEFERRED}): two rows that swap their
   * values in one batch apply (the legacy transaction did it through an intermediate value), and a row whose value
   * another row keeps is parked while the rest of its batch applies, then dead-lettered naming the constraint once
   * {@code sink.parked-timeout} has passed. The commit's refusal named no row and stopped the sink.
   */
  @Test
  void aDeferredUniqueConstraintTakesASwapAndDeadLettersOnlyTheRowItRefusesAtCommit() throws Exception {
    final Env env = env("sink_deferred");
    execute(env.db(), "CREATE TABLE slot (code text PRIMARY KEY, holder text, ferry_version bigint NOT NULL, "
        + "CONSTRAINT slot_holder_key UNIQUE (holder) DEFERRABLE INITIALLY DEFERRED)");
    execute(env.db(), "INSERT INTO slot VALUES ('x', 'ann', 1), ('y', 'bob', 1), ('z', 'cy', 1)");
    final SinkConfig config = oneWriter(env, 500, Duration.ofSeconds(2));
    sendToOnePartition(env, List.of(slot("x", "bob", 10), slot("y", "ann", 10)));
    try (TargetSink sink = new TargetSink(config).start()) {
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 2", () -> sink.applied() == 2);
      assertThat(rows(env, "SELECT code || '=' || holder FROM slot ORDER BY code")).containsExactly("x=bob", "y=ann",
          "z=cy");
      sendToOnePartition(env, List.of(slot("w", "cy", 11), slot("v", "dee", 11), slot("x", "eve", 11)));
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 4, one refused", () -> sink.applied() == 4
          && sink.failed() == 1);
      assertThat(sink.failure()).isNull();
      assertThat(rows(env, "SELECT code || '=' || holder FROM slot ORDER BY code")).containsExactly("v=dee", "x=eve",
          "y=ann", "z=cy");
    }
    final DeadLetter d = readDeadLetters(env, 1).get(0);
    assertThat(d.getSourceKey()).isEqualTo("w");
    assertThat(d.getErrors().get(0).getRule()).isEqualTo("sink.23505");
    assertThat(d.getErrors().get(0).getMessage()).contains("slot_holder_key");
  }

  /**
   * Two rows that swap their values across two batches, against a unique constraint checked at commit: each is refused
   * alone (the other still holds its value) and waits parked; the retry of the parked rows applies both in one target
   * transaction, where the swap holds. (Before: both dead-lettered.)
   */
  @Test
  void aSwapAcrossBatchesWaitsParkedAndAppliesWhenBothRowsAreRetriedTogether() throws Exception {
    final Env env = env("sink_deferred_swap");
    execute(env.db(), "CREATE TABLE slot (code text PRIMARY KEY, holder text, ferry_version bigint NOT NULL, "
        + "CONSTRAINT slot_holder_key UNIQUE (holder) DEFERRABLE INITIALLY DEFERRED)");
    execute(env.db(), "INSERT INTO slot VALUES ('x', 'ann', 1), ('y', 'bob', 1)");
    try (TargetSink sink = new TargetSink(oneWriter(env, 500)).start()) {
      sendToOnePartition(env, List.of(slot("x", "bob", 10)));
      SinkWait.until(sink, Duration.ofMinutes(1), "parked 1", () -> sink.parked() == 1);
      sendToOnePartition(env, List.of(slot("y", "ann", 10)));
      SinkWait.until(sink, Duration.ofMinutes(1), "applied 2", () -> sink.applied() == 2 && sink.parked() == 0);
      assertThat(sink.failed()).isZero();
    }
    assertThat(rows(env, "SELECT code || '=' || holder FROM slot ORDER BY code")).containsExactly("x=bob", "y=ann");
  }

  private static ApplyRecord upsert(final String table, final List<dev.ferry.schemas.ColumnValue> row) {
    return ApplyRecord.newBuilder().setTable(table).setOp(ApplyOp.UPSERT).setKey(row).setRow(row).setVersion(10)
        .setSourceTable("public." + table).setSourceTsMs(0L).build();
  }

  private static ApplyRecord child(final int id, final int ra, final String rb, final String u) {
    final ApplyRecord r = upsert("child", List.of(Columns.of("id", id), Columns.of("ra", ra), Columns.of("rb", rb),
        Columns.of("u", u, "uuid")));
    r.setKey(List.of(Columns.of("id", id)));
    return r;
  }

  private static ApplyRecord row(final String table, final int id, final String reference, final int referenced) {
    return ApplyRecord.newBuilder().setTable(table).setOp(ApplyOp.UPSERT).setKey(List.of(Columns.of("id", id)))
        .setRow(List.of(Columns.of("id", id), Columns.of(reference, referenced))).setVersion(10)
        .setSourceTable("public." + table).setSourceTsMs(0L).build();
  }

  @Override
  protected TargetDatabase target() {
    final EmbeddedDatabase pg = stack.target();
    return new TargetDatabase() {
      @Override
      public void create(final String name) {
        pg.createDatabase(name);
      }

      @Override
      public Connection connect(final String database) throws java.sql.SQLException {
        return pg.connect(database);
      }

      @Override
      public String jdbcUrl(final String database) {
        return pg.jdbcUrl(database);
      }

      @Override
      public String user() {
        return EmbeddedDatabase.USER;
      }

      @Override
      public String limitedUser(final String database) throws java.sql.SQLException {
        final String user = database + "_limited";
        try (Connection c = pg.connect(database); java.sql.Statement s = c.createStatement()) {
          s.execute("CREATE ROLE " + user + " LOGIN SUPERUSER");
          s.execute("ALTER ROLE " + user + " IN DATABASE " + database + " SET statement_timeout = '1ms'");
          s.execute("ALTER ROLE " + user + " IN DATABASE " + database
              + " SET idle_in_transaction_session_timeout = '20ms'");
          s.execute("ALTER ROLE " + user + " IN DATABASE " + database + " SET idle_session_timeout = '50ms'");
          s.execute("ALTER ROLE " + user + " IN DATABASE " + database + " SET transaction_timeout = '50ms'");
        }
        return user;
      }
    };
  }

  @Override
  protected String tenMillisecondQuery() {
    return "SELECT pg_sleep(0.01)";
  }

  @Override
  protected String checkViolationState() {
    return "23514";
  }

  @Override
  protected String exactText(final int length) {
    return "varchar(" + length + ")";
  }

  @Override
  protected String missingReferenceState() {
    return "23503";
  }

  @Override
  protected String uniqueClashState() {
    return "23505";
  }
}
