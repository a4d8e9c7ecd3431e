package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.TransactionMarker;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Debezium's batches and publishes them to Ferry's topics. A record is marked processed only
 * after Kafka acknowledged it (and every record before it), so the offset Debezium stores never runs
 * ahead of what Kafka holds: after a crash events may be sent again, never lost. Downstream stages are
 * idempotent for that reason.
 */
final class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
  private static final Logger LOG = LoggerFactory.getLogger(ChangePublisher.class);

  private final Producer<byte[], byte[]> producer;
  private final FerryTopics topics;
  private final String debeziumTransactionTopic;
  private final ChangeEventConverter converter = new ChangeEventConverter();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong snapshotRows = new AtomicLong();

  ChangePublisher(final Producer<byte[], byte[]> producer, final FerryTopics topics,
      final String debeziumTransactionTopic) {
    this.producer = producer;
    this.topics = topics;
    this.debeziumTransactionTopic = debeziumTransactionTopic;
  }

  @Override
  public void handleBatch(final List<RecordChangeEvent<SourceRecord>> records,
      final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
    final List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
    for (final RecordChangeEvent<SourceRecord> r : records) {
      final ProducerRecord<byte[], byte[]> out = toKafka(r.record());
      sent.add(out == null ? null : producer.send(out));
    }
    for (int i = 0; i < records.size(); i++) {
      final Future<RecordMetadata> f = sent.get(i);
      if (f != null) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("Kafka did not accept a change event; the capture stops without "
              + "advancing its position, so nothing is lost: " + e.getCause().getMessage(), e.getCause());
        }
        published.incrementAndGet();
      }
      committer.markProcessed(records.get(i));
    }
    committer.markBatchFinished();
  }

  private ProducerRecord<byte[], byte[]> toKafka(final SourceRecord record) {
    if (!(record.value() instanceof Struct value)) {
      return null;
    }
    if (record.topic().equals(debeziumTransactionTopic)) {
      final TransactionMarker marker = converter.transaction(value);
      final String topic = topics.transactions().name();
      return new ProducerRecord<>(topic, bytes(marker.getTxId()),
          topics.transactions().valueSerde().serializer().serialize(topic, marker));
    }
    final ChangeEvent change = converter.change((Struct) record.key(), value);
    if (change == null) {
      LOG.debug("ignoring non-change record on {}", record.topic());
      return null;
    }
    if (change.getSource().getSnapshot()) {
      snapshotRows.incrementAndGet();
    }
    final String topic = topics.cdc(change.getSource().getSchema$() + "." + change.getSource().getTable()).name();
    return new ProducerRecord<>(topic, bytes(Columns.keyText(change.getKey())),
        topics.changeSerde().encode(topic, change));
  }

  private static byte[] bytes(final String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Events acknowledged by Kafka so far (changes and transaction markers). */
  long published() {
    return published.get();
  }

  /** Snapshot rows seen so far. */
  long snapshotRows() {
    return snapshotRows.get();
  }
}
