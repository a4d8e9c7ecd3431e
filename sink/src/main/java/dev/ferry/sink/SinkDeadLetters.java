package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.RecordError;
import dev.ferry.schemas.Severity;
import dev.ferry.schemas.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's dead letters: records the target refused for good, and records of the apply topic the sink
 * cannot read. Each is sent, and acknowledged by the broker, before the sink moves past the record:
 * a record is never dropped silently. Thread-safe (one Kafka producer, shared by the writers).
 */
final class SinkDeadLetters implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SinkDeadLetters.class);
  private final FerryTopics topics;
  private final KafkaProducer<String, DeadLetter> producer;
  private final SinkRuns runs;

  SinkDeadLetters(final KafkaSettings kafka, final FerryTopics topics, final SinkRuns runs) {
    this.topics = topics;
    this.runs = runs;
    final Properties p = KafkaClients.properties(kafka);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // one request at a time: dead letters are few, and an idempotent producer whose first request to a
    // partition was refused while later ones succeeded can retry it forever (KAFKA-14359)
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    this.producer = new KafkaProducer<>(p, new StringSerializer(), topics.deadLetter().valueSerde().serializer());
  }

  /**
   * The dead-letter topic did not take a dead letter (after the producer's own retries): like a target
   * outage, the batch is rolled back and retried while the partition waits, since applying the rest of
   * the batch without its dead letters would lose the refused records.
   */
  static final class DeadLetterTopicUnavailable extends RuntimeException {
    DeadLetterTopicUnavailable(final Throwable cause) {
      super("cannot write to the dead-letter topic: " + cause.getMessage(), cause);
    }
  }

  /**
   * Sends a dead letter (stage WRITE) for each record the target refused, with the database's error
   * code, message, column and value, and waits until the broker has them all.
   *
   * @throws DeadLetterTopicUnavailable when the topic does not take one
   */
  void refused(final List<BatchWriter.Failure> failures) {
    final List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (final BatchWriter.Failure f : failures) {
      sent.add(send(f.record(), List.of(error(f)), null, 0));
    }
    for (final Future<RecordMetadata> s : sent) {
      acknowledged(s);
    }
  }

  /**
   * Sends a dead letter (stage WRITE) for every record of each group the target refused a row of, none of which
   * was applied ({@link WholeGroups}): the refused rows with the database's error, the others with a {@code
   * group.refused} error naming the refused rows, followed by their errors (so that a replay selecting by rule or
   * table sends the whole group back). Each names the group and its size; replayed, the group applies together.
   *
   * @throws DeadLetterTopicUnavailable when the topic does not take one
   */
  void refusedWhole(final List<WholeGroups.Torn> groups) {
    final List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (final WholeGroups.Torn g : groups) {
      final Map<ApplyTopicRecord, RecordError> refused = new IdentityHashMap<>();
      g.causes().forEach(f -> refused.put(f.record(), error(f)));
      final ApplyRecord first = g.causes().get(0).record().value();
      final String failed = g.causes().stream().map(f -> f.record().value().getTable() + " "
          + Columns.keyText(f.record().value().getKey()) + " (" + refused.get(f.record()).getRule() + ")")
          .collect(Collectors.joining(", "));
      for (final ApplyTopicRecord m : g.members()) {
        final RecordError own = refused.get(m);
        final List<RecordError> errors = new ArrayList<>();
        if (own != null) {
          errors.add(own);
        } else {
          errors.add(new RecordError(DeadLetters.GROUP_REFUSED, first.getSourceTable(),
              Columns.keyText(first.getKey()), "not applied: it belongs to a group (" + g.group() + ", "
                  + g.members().size() + " rows) applied whole or not at all, and the target refused " + failed,
              "fix the refused row or the target constraint, then replay the group's dead letters: they are applied "
                  + "together", Severity.ERROR));
          errors.addAll(refused.values());
        }
        sent.add(send(m, errors, g.group(), g.members().size()));
      }
    }
    for (final Future<RecordMetadata> s : sent) {
      acknowledged(s);
    }
  }

  /** The error of a record the target (or the sink itself, {@link SinkRefusal}) refused. */
  private static RecordError error(final BatchWriter.Failure f) {
    final ApplyRecord value = f.record().value();
    if (f.error() instanceof SinkRefusal s) {
      return DeadLetters.error(s.rule(), s.field(), s.value(), "the sink refused the row for " + value.getTable()
          + ": " + s.getMessage(), s.resolution());
    }
    final TargetError why = TargetError.of(f.error());
    return DeadLetters.error("sink." + (f.error().getSQLState() == null ? "error" : f.error().getSQLState()),
        why.field(), why.value() != null ? why.value() : valueOf(value, why.field()), "the target refused the row for "
            + value.getTable() + ": " + why.message(), resolution(f));
  }

  private Future<RecordMetadata> send(final ApplyTopicRecord r, final List<RecordError> errors, final String group,
      final int groupSize) {
    final ApplyRecord value = r.value();
    final DeadLetter letter = DeadLetters.of(Stage.WRITE, r.topic(), r.partition(), r.offset(), keyBytes(r.key()),
        topics.apply().valueSerde().serializer().serialize(r.topic(), value), value.getSourceTable(),
        Columns.keyText(value.getKey()), null, errors, null);
    letter.setAttempt(r.attempt());
    if (group != null) {
      letter.setGroup(group);
      letter.setGroupSize(groupSize);
    }
    // the database's own message: a batched statement's exception text holds the whole statement
    LOG.warn("dead letter: {} key {}: {}", value.getTable(), letter.getSourceKey(), errors.get(0).getMessage());
    runs.deadLettered(value.getTable(), errors.get(0).getRule());
    return producer.send(new ProducerRecord<>(topics.deadLetter().name(), r.key(), letter));
  }

  /**
   * Sends a dead letter (stage READ, rule {@code sink.unreadable}) for a record of the apply topic that is
   * not an apply record, with its bytes as read, and waits until the broker has it.
   *
   * @param why what is wrong with it
   * @throws DeadLetterTopicUnavailable when the topic does not take it
   */
  void unreadable(final ConsumerRecord<String, byte[]> r, final String why) {
    final DeadLetter letter = DeadLetters.of(Stage.READ, r.topic(), r.partition(), r.offset(), keyBytes(r.key()),
        r.value(), null, null, null,
        List.of(DeadLetters.error("sink.unreadable", null, null, "the sink cannot read this apply record: " + why,
            "write apply records in Ferry's ApplyRecord schema (or a compatible one, registered in the schema "
                + "registry), then replay this dead letter")),
        null);
    letter.setAttempt(DeadLetters.attempt(r.headers()));
    LOG.warn("dead letter: unreadable record at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(), why);
    acknowledged(producer.send(new ProducerRecord<>(topics.deadLetter().name(), r.key(), letter)));
  }

  private static void acknowledged(final Future<RecordMetadata> sent) {
    try {
      sent.get();
    } catch (ExecutionException e) {
      throw new DeadLetterTopicUnavailable(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing dead letters", e);
    }
  }

  /** What to do about {@code f}, a row the target refused: load the missing referenced row, or fix the row. */
  private static String resolution(final BatchWriter.Failure f) {
    if (f.waitsForReferencedRow()) {
      return "the row it references never arrived within sink.parked-timeout; load it into the legacy database or "
          + "fix the reference, then replay this dead letter";
    }
    if (DatabaseErrors.isUniqueClash(f.error())) {
      return "another row held this value for longer than sink.parked-unique-timeout: a duplicate in the legacy data (fix "
          + "the row in the source or the target's unique constraint), or two rows that swapped their values (apply "
          + "the swap by hand, or make the constraint DEFERRABLE INITIALLY DEFERRED), then replay this dead letter";
    }
    return "fix the row in the source or the target constraint, then replay this dead letter";
  }

  private static byte[] keyBytes(final String key) {
    return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  /** The record's value of {@code column} as text, when the database named the column but not the value. */
  private static String valueOf(final ApplyRecord record, final String column) {
    if (column == null || record.getRow() == null) {
      return null;
    }
    final ColumnValue v = Columns.find(record.getRow(), column);
    return v == null || v.getValue() == null ? null : v.getValue().toString();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
