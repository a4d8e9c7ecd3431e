package dev.ferry.sink;

import dev.ferry.history.Progress;
import dev.ferry.history.RunHistory;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.LostRecords;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.Severity;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Sends dead letters back to the topic they were read from once their cause is fixed: the sink's (a
 * target row or constraint, a referenced row that never came) to the apply topic, the processor's (a
 * mapping, a header that came too late) to their CDC topic. Each replayed record is the original key and
 * value, byte for byte, with header {@link DeadLetters#REPLAYED_FROM}: the processor then neither drops it
 * as a redelivery nor waits for its transaction's commit markers, which passed long ago. Re-applying is
 * safe: the version guard keeps a replayed row from overwriting a newer one, and a record refused again
 * becomes a new dead letter.
 *
 * <p>One pass over the dead letters written before it started, as consumer group
 * {@code <sink.group-id>-replay}: it commits how far it got, so the next pass starts after it
 * ({@code fromBeginning} starts over). Letters not matching the filters are passed over (and not
 * reconsidered by the next pass). At least once: the replayed records are acknowledged before the
 * position is committed, so a crash in between replays some twice, which the version guard makes
 * harmless.
 */
public final class DeadLetterReplay {
  private static final Duration READ_LIMIT = Duration.ofMinutes(10);

  private final SinkConfig config;
  private final FerryTopics topics;

  /**
   * What to replay.
   *
   * @param rules only dead letters whose first error has one of these rules (e.g. {@code sink.23514}); empty: any
   * @param tables only these source tables ({@code schema.table}); empty: any
   * @param dryRun count what would be replayed; send and commit nothing
   * @param fromBeginning start at the first dead letter rather than after the last pass
   * @param acceptOld replay letters older than {@code sink.tombstone-retention} too (see {@link #run})
   */
  public record Options(Set<String> rules, Set<String> tables, boolean dryRun, boolean fromBeginning,
      boolean acceptOld) {
    public Options(final Set<String> rules, final Set<String> tables, final boolean dryRun,
        final boolean fromBeginning) {
      this(rules, tables, dryRun, fromBeginning, false);
    }
  }

  /**
   * What one pass did; {@code replayedByRule} and {@code replayedByTopic} count the replayed (or, in a dry
   * run, the matching) letters per rule of their first error and per topic they go to. {@code applied} counts
   * letters left alone because their row was applied (warnings only); {@code tooOld} those left alone because
   * they are older than {@code sink.tombstone-retention}.
   */
  public record Summary(long read, long replayed, long notMatching, Map<String, Long> replayedByRule,
      Map<String, Long> replayedByTopic, long applied, long tooOld) {
  }

  public DeadLetterReplay(final SinkConfig config) {
    this.config = config;
    this.topics = config.kafka().topics(config.kafka().registry());
  }

  /** The consumer group that keeps the replay's position. */
  public String groupId() {
    return config.groupId() + "-replay";
  }

  /** Runs one pass, printing progress and the summary to {@code out}. */
  public Summary run(final Options options, final PrintStream out) {
    final Properties c = KafkaClients.properties(config.kafka());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    final String dlq = topics.deadLetter().name();
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        topics.deadLetter().valueSerde().deserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
      final List<TopicPartition> partitions = new ArrayList<>();
      for (final PartitionInfo info : consumer.partitionsFor(dlq, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(dlq, info.partition()));
      }
      consumer.assign(partitions);
      final long deleted = deletedBeforeRead(consumer, partitions, options.fromBeginning(), out);
      if (options.fromBeginning()) {
        consumer.seekToBeginning(partitions);
      }
      // the dead letters written before the pass started; later ones (a replayed row refused again) wait
      final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      // what this pass reads, for the run history: a letter in these ranges was considered by it
      final long started = System.currentTimeMillis();
      final Map<String, List<Long>> ranges = new TreeMap<>();
      for (final TopicPartition tp : partitions) {
        ranges.put(String.valueOf(tp.partition()), List.of(consumer.position(tp), end.getOrDefault(tp, 0L)));
      }
      out.printf(Locale.ROOT, "replaying dead letters of %s from %s (%s)%n", config.groupId(), dlq,
          options.dryRun() ? "dry run: nothing is sent" : "each to the topic it was read from");
      long read = 0;
      long replayed = 0;
      long notMatching = 0;
      long unreplayable = 0;
      long applied = 0;
      long tooOld = 0;
      final long oldest = System.currentTimeMillis() - config.tombstoneRetention().toMillis();
      final Map<String, Long> byRule = new TreeMap<>();
      final Map<String, Long> byTopic = new TreeMap<>();
      final long deadline = System.nanoTime() + READ_LIMIT.toNanos();
      final Progress.Task progress = Progress.to(out).start("reading dead letters", ranges.values().stream()
          .mapToLong(r -> r.get(1) - r.get(0)).sum(), "letters");
      while (!reached(consumer, end) && System.nanoTime() < deadline) {
        final List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (final ConsumerRecord<String, DeadLetter> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() >= end.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L)) {
            continue;
          }
          read++;
          progress.advance(1);
          final DeadLetter d = r.value();
          final String rule = d.getErrors().isEmpty() ? "" : d.getErrors().get(0).getRule();
          if (!matches(d, rule, options)) {
            notMatching++;
          } else if (d.getErrors().stream().noneMatch(e -> e.getSeverity() == Severity.ERROR)) {
            // warnings only: the row was applied (with the assumption the warning states); sending it again
            // would apply it twice, or over a newer change that has no letter
            applied++;
          } else if (!options.acceptOld() && d.getTsMs() < oldest) {
            // a delete of the row after this change may be forgotten by now (tombstones are kept for
            // sink.tombstone-retention): sent again, the old change could bring a deleted row back
            tooOld++;
          } else if (d.getOriginalValue() == null) {
            // a change the connector could not publish (too large): nothing to send; its resolution says what to do
            unreplayable++;
          } else {
            replayed++;
            byRule.merge(rule, 1L, Long::sum);
            byTopic.merge(d.getTopic(), 1L, Long::sum);
            if (!options.dryRun()) {
              final ProducerRecord<byte[], byte[]> again = new ProducerRecord<>(d.getTopic(), bytes(d.getOriginalKey()),
                  bytes(d.getOriginalValue()));
              again.headers().add(DeadLetters.REPLAYED_FROM, (r.topic() + "/" + r.partition() + "/" + r.offset())
                  .getBytes(StandardCharsets.UTF_8));
              again.headers().add(DeadLetters.ATTEMPT, String.valueOf(d.getAttempt() + 1)
                  .getBytes(StandardCharsets.UTF_8));
              if (d.getGroup() != null && d.getGroupSize() != null) {
                again.headers().add(DeadLetters.REPLAY_GROUP, d.getGroup().getBytes(StandardCharsets.UTF_8));
                again.headers().add(DeadLetters.REPLAY_GROUP_SIZE, String.valueOf(d.getGroupSize())
                    .getBytes(StandardCharsets.UTF_8));
              }
              sent.add(producer.send(again));
            }
          }
        }
        for (final Future<RecordMetadata> f : sent) {
          acknowledged(f);
        }
        if (!options.dryRun()) {
          commit(consumer, end);
        }
      }
      if (!reached(consumer, end)) {
        throw new IllegalStateException("the dead-letter topic was not read to its end within " + READ_LIMIT
            + "; what was replayed so far is committed, run again to go on");
      }
      progress.end(String.format(Locale.ROOT, "  %,d dead letters read", read));
      final Summary summary = new Summary(read, replayed, notMatching, byRule, byTopic, applied, tooOld);
      out.printf(Locale.ROOT, "%,d dead letter(s) read: %,d %s, %,d not matching the filters%n", read, replayed,
          options.dryRun() ? "to replay" : "replayed", notMatching);
      if (applied > 0) {
        out.printf(Locale.ROOT, "%,d warning(s) left alone: their rows were applied%n", applied);
      }
      if (tooOld > 0) {
        out.printf(Locale.ROOT, "%,d dead letter(s) left alone: older than sink.tombstone-retention (%s), so a later "
            + "delete of their row may be forgotten and a replay could bring it back; re-snapshot the table, or "
            + "pass --accept-old if no row of theirs can have been deleted since%n", tooOld,
            config.tombstoneRetention());
      }
      if (unreplayable > 0) {
        out.printf(Locale.ROOT, "%,d dead letter(s) carry no record to send again (stage CAPTURE: too large); "
            + "see their resolution%n", unreplayable);
      }
      byRule.forEach((rule, n) -> out.printf(Locale.ROOT, "  rule %s: %,d%n", rule, n));
      byTopic.forEach((topic, n) -> out.printf(Locale.ROOT, "  to %s: %,d%n", topic, n));
      config.history().record(RunHistory.Kind.REPLAY, String.format(Locale.ROOT, "replay pass%s: %,d dead letter(s) "
          + "read, %,d %s", options.dryRun() ? " (dry run)" : "", read, replayed, options.dryRun() ? "to replay"
          : "replayed"), Map.of("read", read, "replayed", replayed, "replayedByRule", byRule, "ranges", ranges,
          "rules", List.copyOf(options.rules()), "tables", List.copyOf(options.tables()), "dryRun", options.dryRun(),
          "startedMs", started, "deletedBeforeRead", deleted));
      return summary;
    }
  }

  /**
   * Whether {@code d} is selected. A letter of a group refused whole goes back with its whole group: each of them
   * carries the failed rows' errors after its own ({@code group.refused}, whose field names the failed row's
   * table), so a rule or table selects every letter of the group, not just the failed row's.
   */
  private static boolean matches(final DeadLetter d, final String rule, final Options options) {
    final boolean grouped = d.getGroup() != null;
    if (!options.rules().isEmpty() && !options.rules().contains(rule)
        && !(grouped && d.getErrors().stream().anyMatch(e -> options.rules().contains(e.getRule())))) {
      return false;
    }
    return options.tables().isEmpty() || d.getSourceTable() != null && options.tables().contains(d.getSourceTable())
        || grouped && d.getErrors().stream().anyMatch(e -> DeadLetters.GROUP_REFUSED.equals(e.getRule())
            && options.tables().contains(e.getField()));
  }

  /**
   * Dead letters Kafka deleted (the topic's retention ran out) before a replay pass read them: from where the last
   * pass ended ({@code fromBeginning}: from the first letter ever written) to the oldest letter left. Kafka's
   * consumer would start after them without a word; they cannot be replayed, so each gap is said with what still
   * repairs their rows.
   *
   * @return how many were deleted (offsets; Kafka's transaction markers included)
   */
  private long deletedBeforeRead(final KafkaConsumer<?, ?> consumer, final List<TopicPartition> partitions,
      final boolean fromBeginning, final PrintStream out) {
    final Map<TopicPartition, OffsetAndMetadata> committed = fromBeginning ? Map.of()
        : consumer.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(30));
    final Map<TopicPartition, Long> from = new HashMap<>();
    partitions.forEach(tp -> from.put(tp, committed.get(tp) == null ? 0L : committed.get(tp).offset()));
    long total = 0;
    for (final LostRecords gap : LostRecords.between(from, consumer.beginningOffsets(partitions,
        Duration.ofSeconds(30)))) {
      out.printf(Locale.ROOT, "%,d dead letter(s) of %s (offsets %,d to %,d) were deleted by Kafka before a replay "
          + "pass read them (the topic's retention ran out): they cannot be replayed; read their tables again "
          + "(ferry resnapshot --table ...), and ferry reconcile shows the rows that differ%n", gap.count(),
          gap.partition(), gap.from(), gap.to() - 1);
      total += gap.count();
    }
    return total;
  }

  /** True when the consumer's position is at {@code end} on every partition. */
  private static boolean reached(final KafkaConsumer<?, ?> consumer, final Map<TopicPartition, Long> end) {
    for (final Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Commits the position, never past {@code end} (letters after it belong to the next pass). */
  private static void commit(final KafkaConsumer<?, ?> consumer, final Map<TopicPartition, Long> end) {
    final Map<TopicPartition, OffsetAndMetadata> position = new HashMap<>();
    for (final TopicPartition tp : consumer.assignment()) {
      position.put(tp, new OffsetAndMetadata(Math.min(consumer.position(tp), end.getOrDefault(tp, 0L))));
    }
    consumer.commitSync(position);
  }

  private static void acknowledged(final Future<RecordMetadata> sent) {
    try {
      sent.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the apply topic did not take a replayed record; nothing of this poll is "
          + "committed, run again: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replaying", e);
    }
  }

  private static byte[] bytes(final ByteBuffer b) {
    if (b == null) {
      return null;
    }
    final ByteBuffer copy = b.duplicate();
    final byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }
}
