package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.SourcePosition;
import dev.ferry.schemas.TransactionMarker;
import dev.ferry.schemas.TransactionStatus;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Debezium's batches and publishes them to Ferry's topics, one Kafka transaction per batch.
 *
 * <p><b>Nothing lost, nothing torn.</b> A batch's change events, commit markers and dead letters are written in
 * one Kafka transaction, and its records are marked processed only after the transaction committed, so the
 * position Debezium stores never runs ahead of what Kafka holds: after a crash events may be sent again, never
 * lost, and downstream stages deduplicate. What is stored is the record's position as {@link ResumePositions} gives
 * it, so that a restarted Debezium resumes where PostgreSQL says, not where its own search of the stream says.
 * Readers take committed records only, so a commit marker is never seen without the events before it.
 *
 * <p><b>No round trip per source transaction.</b> Each record's partition is computed here, as Kafka's default
 * partitioner would ({@link KeyPartitions}), so a transaction's commit markers can be sent right behind its
 * events, in the same Kafka transaction; per partition Kafka keeps them in order. The only wait is the commit
 * of each batch: small transactions are no longer capped at one acknowledgement each.
 *
 * <p><b>Keys.</b> A change is keyed by its header key ({@link HeaderKeys}), so an order and its lines
 * go to the same partition number of their topics.
 *
 * <p><b>Commit markers.</b> When a transaction ends, a {@link ChangeOp#COMMIT} marker is written into every
 * topic partition that received events of the transaction, behind them. It tells the stream processor that
 * the transaction's events in that partition are complete, and how many topics of that partition number carry
 * a marker. A transaction that began before this process started (Debezium resumed inside it) is marked in
 * every partition of every CDC topic, because the partitions of its earlier events are not known here.
 *
 * <p><b>Progress.</b> About once per second of source time, a batch also writes a progress mark into every partition
 * of every CDC topic ({@link ProgressMarks}), so that the processor can tell how far each partition is complete.
 *
 * <p><b>Too large.</b> A change larger than Ferry's topics take is written as a dead letter instead
 * ({@link OversizedChange}); one Kafka refuses as too large (a topic created elsewhere with a lower limit)
 * aborts the batch, which is written again with that change as a dead letter.
 */
final class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
  private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);
  /** Tries of one batch before the capture stops (each abort is a transient error or a too-large change). */
  private static final int ATTEMPTS = 10;

  private final Producer<byte[], byte[]> producer;
  /** Told the table ({@code schema.table}) of every TRUNCATE the stream carries ({@link TruncatedTables}). */
  private final java.util.function.Consumer<String> onTruncate;
  private final FerryTopics topics;
  private final String debeziumTransactionTopic;
  private final String debeziumNotificationTopic;
  private final HeaderKeys headerKeys;
  private final List<String> cdcTopics;
  private final ChangeEventConverter converter = new ChangeEventConverter();
  /** The source transactions begun and not ended: the partitions their events went to, their echo marks. */
  private OpenTransactions open = new OpenTransactions();
  private final KeyPartitions partitions;
  /** The tables whose changes are keyed by their position ({@code legacy.append-only}). */
  private final AppendOnlyTables appendOnly;
  private final AtomicLong published = new AtomicLong();
  /** Changes Kafka took, per legacy table; read by other threads. */
  private final Map<String, LongAdder> perTable = new ConcurrentHashMap<>();
  /** Changes of the batch being published, per legacy table. */
  private final Map<String, Long> batchPerTable = new HashMap<>();
  /** The newest source commit time of a streamed change in the batch being sent; 0 when none. */
  private long batchSourceTsMs;
  /** The newest legacy commit time of a transaction whose end is in the batch being sent; 0 when none. */
  private long batchCommitTsMs;
  /**
   * How far behind the source the stream was when Kafka took the last batch, ms: from the newest source time in it,
   * a change's or a transaction's commit; -1 before the first. The heartbeat's transaction (no change of a captured
   * table, but its commit) keeps it current while the tables are quiet: from the last change alone it stood at a
   * bulk update's 15 s for as long as nothing else changed.
   */
  private volatile long behindSourceMs = -1;
  /**
   * How far the stream had come, as far as this capture has seen: the slot's confirmed position at start, then the
   * position of every snapshot row and the commit of every transaction published. The read-only incremental
   * snapshot sends its rows without a log position; they are stamped with this one ({@link #stamped}).
   */
  private long position;
  /** The consistent position of the initial snapshot's rows, once one came; -1 before. */
  private long snapshotPosition = -1;
  private SnapshotEnds snapshotEnds = new SnapshotEnds();
  private final ProgressMarks progress = new ProgressMarks();
  private final MarkRecords marks;
  /** {@link SnapshotEnds#initialSettled} as of the last batch Kafka took; read by other threads. */
  private volatile boolean initialSnapshotPublished;

  /** @param producer a transactional producer, its transactions initialised */
  ChangePublisher(final Producer<byte[], byte[]> producer, final FerryTopics topics,
      final String debeziumTransactionTopic, final String debeziumNotificationTopic, final HeaderKeys headerKeys,
      final List<String> cdcTopics, final java.util.function.Consumer<String> onTruncate,
      final AppendOnlyTables appendOnly) {
    this.onTruncate = onTruncate;
    this.appendOnly = appendOnly;
    this.producer = producer;
    this.topics = topics;
    this.debeziumTransactionTopic = debeziumTransactionTopic;
    this.debeziumNotificationTopic = debeziumNotificationTopic;
    this.headerKeys = headerKeys;
    this.cdcTopics = List.copyOf(cdcTopics);
    this.partitions = new KeyPartitions(producer);
    this.marks = new MarkRecords(topics, cdcTopics, partitions::count);
  }

  /**
   * What was sent for one Debezium record: its index in the batch, Kafka's answer, and whether it is a change
   * event (which can be dead-lettered instead when Kafka refuses it as too large).
   */
  private record Sent(int index, Future<RecordMetadata> result, boolean change) {
  }

  @Override
  public void handleBatch(final List<RecordChangeEvent<SourceRecord>> records,
      final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
    final Map<Integer, String> deadLettered = new HashMap<>();
    for (int attempt = 1; ; attempt++) {
      final OpenTransactions before = open.copy();
      final SnapshotEnds endsBefore = snapshotEnds.copy();
      final List<Sent> sent = new ArrayList<>(records.size());
      batchPerTable.clear();
      batchSourceTsMs = 0;
      batchCommitTsMs = 0;
      try {
        producer.beginTransaction();
        for (int i = 0; i < records.size(); i++) {
          publish(records.get(i).record(), i, deadLettered.get(i), sent);
        }
        final long progressed = progress.due(batchSourceTsMs);
        if (progressed > 0) {
          send(marks.progress(progressed), records.size() - 1, sent);
        }
        producer.flush();
        final Sent refused = firstTooLarge(sent);
        if (refused == null) {
          producer.commitTransaction();
          // row changes only: a quiet database's heartbeats bring commit and progress marks every interval, and a
          // drain that waits for this count to stand still never ended with a 1 s heartbeat
          published.addAndGet(sent.stream().filter(Sent::change).count());
          initialSnapshotPublished = snapshotEnds.initialSettled();
          batchPerTable.forEach((t, n) -> perTable.computeIfAbsent(t, k -> new LongAdder()).add(n));
          if (progressed > 0) {
            progress.written(progressed);
          }
          final long newest = Math.max(batchSourceTsMs, batchCommitTsMs);
          if (newest > 0) {
            behindSourceMs = Math.max(0, System.currentTimeMillis() - newest);
          }
          break;
        }
        producer.abortTransaction();
        open = before;
        snapshotEnds = endsBefore;
        deadLettered.put(refused.index(), "Kafka refused it as too large");
      } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
        throw new IllegalStateException("Kafka refused the capture's transaction (" + e + "); the capture stops "
            + "without advancing its position, so nothing is lost", e);
      } catch (KafkaException e) {
        abortQuietly();
        open = before;
        snapshotEnds = endsBefore;
        if (attempt >= ATTEMPTS) {
          throw new IllegalStateException("Kafka did not take a batch of change events after " + attempt
              + " tries; the capture stops without advancing its position, so nothing is lost: " + e, e);
        }
        LOG.warn("Kafka did not take a batch of {} change events ({}); writing it again", records.size(), e.toString());
        Thread.sleep(Math.min(5_000, 100L << Math.min(attempt, 6)));
      }
    }
    ResumePositions.markProcessed(records, committer, this::positionMayBeStored);
  }

  /** Whether the position {@code record} carries may become the capture's (SnapshotEnds.positionMayBeStored). */
  private boolean positionMayBeStored(final SourceRecord record) {
    return !(record.topic().equals(debeziumNotificationTopic) && record.value() instanceof Struct value)
        || SnapshotEnds.positionMayBeStored(value);
  }

  /**
   * Sends what {@code record} becomes: a change event, a transaction marker (and, at its end, the commit
   * markers), or a dead letter when {@code deadLetterReason} is set or the change is too large.
   */
  private void publish(final SourceRecord record, final int index, final String deadLetterReason,
      final List<Sent> sent) {
    if (!(record.value() instanceof Struct value)) {
      return;
    }
    if (record.topic().equals(debeziumTransactionTopic)) {
      final TransactionMarker marker = converter.transaction(value);
      final String topic = topics.transactions().name();
      sent.add(new Sent(index, producer.send(new ProducerRecord<>(topic, bytes(marker.getTxId()),
          topics.transactions().valueSerde().serializer().serialize(topic, marker))), false));
      onTransactionMarker(marker, index, sent);
      return;
    }
    if (ChangeEventConverter.isEchoMark(value)) {
      final String txId = ChangeEventConverter.sourceTxId(value.getStruct("source"));
      if (txId != null) {
        open.echo(txId);
      }
      return;
    }
    if (record.topic().equals(debeziumNotificationTopic)) {
      final SnapshotEnds.Ended ended = snapshotEnds.onNotification(value, position, snapshotPosition);
      if (ended != null) {
        markSnapshotEnd(ended, index, sent);
      }
      return;
    }
    final ChangeEvent captured = stamped(converter.change((Struct) record.key(), value));
    if (captured == null) {
      // no row change: a TRUNCATE (which names its table), or nothing Ferry carries
      final String truncated = ChangeEventConverter.truncatedTable(value);
      if (truncated != null && appendOnly.contains(truncated)) {
        markSnapshotEnd(AppendOnlyTables.truncated(truncated, ChangeEventConverter.lsn(value.getStruct("source"))),
            index, sent);
      } else if (truncated != null) {
        onTruncate.accept(truncated);
      } else {
        LOG.debug("ignoring non-change record on {}", record.topic());
      }
      return;
    }
    final ChangeEvent change = appendOnly.keyed(captured);
    final String table = change.getSource().getSchema$() + "." + change.getSource().getTable();
    String key = headerKeys.of(change);
    if (key == null) {
      key = Columns.keyText(change.getKey());
      LOG.warn("{} change with key {} carries no header key columns (a delete without REPLICA IDENTITY FULL?); "
          + "keyed by its primary key instead", table, key);
    }
    final String topic = topics.cdc(table).name();
    final byte[] encoded = topics.changeSerde().encode(topic, change);
    if (deadLetterReason != null || encoded.length > OversizedChange.LARGEST_BYTES) {
      deadLetter(change, encoded.length, topic, deadLetterReason != null ? deadLetterReason : OversizedChange.WHY,
          index, sent);
      return;
    }
    final byte[] keyBytes = bytes(key);
    final int partition = partitions.of(topic, keyBytes);
    sent.add(new Sent(index, producer.send(new ProducerRecord<>(topic, partition, keyBytes, encoded)), true));
    batchPerTable.merge(table, 1L, Long::sum);
    if (!change.getSource().getSnapshot()) {
      batchSourceTsMs = Math.max(batchSourceTsMs, change.getSource().getTsMs());
    }
    final String txId = change.getSource().getTxId();
    if (txId != null) {
      open.sent(txId, new TopicPartition(topic, partition));
    }
  }

  /** The stream is at least at {@code confirmed} (the slot's confirmed position when the capture starts). */
  void streamAtLeast(final long confirmed) {
    position = Math.max(position, confirmed);
  }

  /**
   * {@code change} with the position that versions it. A row of an incremental snapshot is sent when the stream
   * has passed every transaction its chunk saw, and before any it did not (changes in the chunk's window replace
   * its rows): the position this capture has come to, which Debezium's read-only incremental snapshot does not
   * give. Without it the row's version would be that of position 0, below the row already in the target, and a
   * re-snapshot would repair nothing.
   */
  private ChangeEvent stamped(final ChangeEvent change) {
    if (change == null) {
      return null;
    }
    final SourcePosition source = change.getSource();
    if (source.getIncremental()) {
      source.setLsn(Math.max(source.getLsn(), position));
    } else if (source.getSnapshot()) {
      position = Math.max(position, source.getLsn());
      snapshotPosition = source.getLsn();
    }
    return change;
  }

  private void onTransactionMarker(final TransactionMarker marker, final int index, final List<Sent> sent) {
    if (marker.getStatus() == TransactionStatus.BEGIN) {
      open.begin(marker.getTxId());
      return;
    }
    position = Math.max(position, marker.getCommitLsn());
    batchCommitTsMs = Math.max(batchCommitTsMs, marker.getTsMs());
    final OpenTransactions.Ended ended = open.end(marker.getTxId());
    Set<TopicPartition> targets = ended.partitions();
    if (targets == null) {
      LOG.info("transaction {} began before this capture started; marking its end in every partition",
          marker.getTxId());
      targets = marks.everyPartition();
    }
    send(marks.commit(marker, targets, ended.echo()), index, sent);
  }

  /**
   * Writes a sweep marker into every partition of the CDC topic of each table the snapshot covered, behind the
   * snapshot's rows there ({@link SnapshotEnds}). A table this capture does not write (not captured) is skipped.
   */
  private void markSnapshotEnd(final SnapshotEnds.Ended ended, final int index, final List<Sent> sent) {
    final List<String> tables = ended.tables().stream().filter(t -> cdcTopics.contains(topics.cdc(t).name())).toList();
    if (tables.isEmpty()) {
      return;
    }
    LOG.info("{} of {} ended; rows Ferry wrote below version {} that it did not read again are to be removed "
        + "from the target (sweep {})", ended.kind().toLowerCase(java.util.Locale.ROOT), tables, ended.version(),
        ended.id());
    send(marks.snapshotEnd(ended, tables, System.currentTimeMillis()), index, sent);
  }

  private void send(final List<ProducerRecord<byte[], byte[]>> records, final int index, final List<Sent> sent) {
    for (final ProducerRecord<byte[], byte[]> r : records) {
      sent.add(new Sent(index, producer.send(r), false));
    }
  }

  private void deadLetter(final ChangeEvent change, final int bytes, final String topic, final String why,
      final int index, final List<Sent> sent) {
    final DeadLetter letter = OversizedChange.deadLetter(change, bytes, topic, why);
    LOG.warn("dead letter: {} change of {} key {} is {} bytes ({}); capture goes on without it", change.getOp(),
        letter.getSourceTable(), letter.getSourceKey(), bytes, why);
    final String deadLetterTopic = topics.deadLetter().name();
    sent.add(new Sent(index, producer.send(new ProducerRecord<>(deadLetterTopic,
        letter.getSourceKey() == null ? null : bytes(letter.getSourceKey()),
        topics.deadLetter().valueSerde().serializer().serialize(deadLetterTopic, letter))), false));
  }

  /** The first change Kafka refused as too large, or null; every send has completed (after a flush). */
  private static Sent firstTooLarge(final List<Sent> sent) throws InterruptedException {
    for (final Sent s : sent) {
      try {
        s.result().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RecordTooLargeException && s.change()) {
          return s;
        }
        throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
      }
    }
    return null;
  }

  private void abortQuietly() {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      LOG.debug("abort after a failed batch: {}", e.toString());
    }
  }

  private static byte[] bytes(final String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * True once Kafka has taken every row of the initial snapshot, or Debezium said it took none (skipped or
   * aborted). Before that, nothing published yet is never "drained": Debezium's streaming can report itself
   * connected while the snapshot's rows still wait in the engine's queue for this publisher.
   */
  boolean initialSnapshotPublished() {
    return initialSnapshotPublished;
  }

  /** How far behind the source the stream was when Kafka took the last batch, ms; -1 before the first. */
  long behindSourceMs() {
    return behindSourceMs;
  }

  /** Changes Kafka has taken so far, per legacy table ({@code schema.table}). */
  Map<String, Long> publishedPerTable() {
    final Map<String, Long> out = new java.util.TreeMap<>();
    perTable.forEach((t, n) -> out.put(t, n.sum()));
    return out;
  }

  /** Row changes Kafka has taken so far (not the marks around them, nor a change dead-lettered as too large). */
  long published() {
    return published.get();
  }
}
