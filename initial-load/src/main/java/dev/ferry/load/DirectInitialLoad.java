package dev.ferry.load;

import dev.ferry.connector.ConnectorConfig;
import dev.ferry.connector.DirectLoad;
import dev.ferry.connector.ExportedSnapshot;
import dev.ferry.connector.LegacyRows;
import dev.ferry.connector.OversizedChange;
import dev.ferry.processor.GroupMapping;
import dev.ferry.processor.MappingCounts;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.NaturalKeys;
import dev.ferry.processor.ordering.ApplyOrder;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeGroup;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.DeadLetter;
import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.HeaderKeys;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.LegacyPosition;
import dev.ferry.schemas.RowVersion;
import dev.ferry.schemas.SnapshotSweep;
import dev.ferry.schemas.Stage;
import dev.ferry.schemas.TopicCreator;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct initial load ({@code connector.initial-load: direct}): reads every mapped legacy table in the
 * capture's exported snapshot, passes each row through the mapping as the processor would pass Debezium's snapshot
 * row ({@link GroupMapping}: a group of one under its header key, refusals to the dead-letter topic), and writes the
 * rows to the apply topic, where the sink applies them as it applies the processor's. The CDC topics and the processor
 * are skipped for the initial sync, which is where a migration spent most of its time (docs/benchmarks.md).
 *
 * <p>What holds as with Debezium's snapshot: rows are versioned at the snapshot's position ({@link RowVersion#snapshot},
 * below every change streamed after it), tables are read referenced ones first, and the end of the load is a sweep
 * marker on every apply partition for every target table, behind the rows (the sink removes the rows Ferry wrote
 * before that the snapshot no longer holds: what a crashed earlier attempt wrote of rows deleted since). A crash
 * loads again from a new snapshot ({@link ExportedSnapshot}): every record here is safe to apply twice.
 *
 * <p>What differs: rows of a table pass in the snapshot's order, not interleaved with their header's table, so a
 * header/detail pair is ordered by the table order (headers first) and, where that cannot hold (a table referencing
 * itself), by the sink parking a row whose referenced row has not arrived. Unique rules are not supported (their
 * owners live in the processor's store; the configuration refuses the combination).
 */
public final class DirectInitialLoad implements DirectLoad {
  private static final Logger LOG = LoggerFactory.getLogger(DirectInitialLoad.class);
  /** How often progress is logged while a table loads. */
  private static final long REPORT_NANOS = 10_000_000_000L;

  private final ConnectorConfig config;
  private final Mapping mapping;
  private final FerryTopics topics;
  private final GroupMapping groups;
  private final ApplyOrder order;
  private final MappingCounts counts;
  /** Rows read per legacy table, in the load running or last run. */
  private final Map<String, java.util.concurrent.atomic.AtomicLong> loaded = new java.util.concurrent.ConcurrentHashMap<>();

  /** Loads the tables {@code connector} captures through {@code mapping}; {@code counts} is told each row's fate. */
  public DirectInitialLoad(final ConnectorConfig connector, final Mapping mapping, final MappingCounts counts) {
    this.config = connector;
    this.mapping = mapping;
    this.counts = counts;
    this.topics = connector.kafka().topics(connector.kafka().registry());
    this.groups = new GroupMapping(mapping, topics, counts);
    this.order = new ApplyOrder(new HeaderKeys(connector.kafka().relations()));
  }

  @Override
  public void load(final ExportedSnapshot snapshot, final List<String> tables) throws Exception {
    final String apply = topics.apply().name();
    final String deadLetters = topics.deadLetter().name();
    TopicCreator.ensure(config.kafka(), List.of(apply, deadLetters), config.kafka().partitions(), Set.of(),
        Set.of(deadLetters));
    final List<String> mapped = tables.stream().filter(t -> mapping.forSource(t).isPresent()).toList();
    final AtomicReference<Exception> failed = new AtomicReference<>();
    final long began = System.nanoTime();
    long total = 0;
    try (KafkaProducer<String, byte[]> producer = producer();
        Connection legacy = snapshot.connect()) {
      final Output out = new Output(producer, apply, deadLetters, failed);
      for (final String table : mapped) {
        total += loadTable(legacy, table, snapshot, out, producer, failed);
      }
      sweep(snapshot, mapped, producer, apply, failed);
      producer.flush();
      rethrow(failed);
      LOG.info("initial load: {} rows of {} tables read, mapped and on {} in {} s ({} rows/s); dead letters {}",
          String.format(java.util.Locale.ROOT, "%,d", total), mapped.size(), apply,
          String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - began) / 1e9),
          String.format(java.util.Locale.ROOT, "%,.0f", total / Math.max(1e-9, (System.nanoTime() - began) / 1e9)),
          out.letters);
    }
  }

  private long loadTable(final Connection legacy, final String table, final ExportedSnapshot snapshot,
      final Output out, final KafkaProducer<String, byte[]> producer, final AtomicReference<Exception> failed)
      throws Exception {
    final long began = System.nanoTime();
    final long about = LegacyRows.count(legacy, table);
    final java.util.concurrent.atomic.AtomicLong shown = new java.util.concurrent.atomic.AtomicLong();
    loaded.put(table, shown);
    final long[] read = {0};
    final long[] nextReport = {began + REPORT_NANOS};
    // an append-only table's rows are keyed by this read: the snapshot's position and each row's ordinal in it
    final boolean appendOnly = config.appendOnly().contains(table);
    try {
      LegacyRows.scanIn(snapshot, legacy, table, e -> {
        if (appendOnly) {
          LegacyPosition.keyed(e, LegacyPosition.snapshot(snapshot.position(), read[0] + 1));
        }
        out.reading = e;
        final ChangeGroup group = order.single(e);
        groups.map(group, NaturalKeys.NONE, group.getHeaderKey(), 0, out);
        if ((++read[0] & 1023) == 0) {
          shown.set(read[0]);
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("the capture is stopping");
          }
          rethrow(failed);
          final long now = System.nanoTime();
          if (now >= nextReport[0]) {
            nextReport[0] = now + REPORT_NANOS;
            LOG.info("initial load: {} {} of about {} rows ({} rows/s)", table,
                String.format(java.util.Locale.ROOT, "%,d", read[0]),
                String.format(java.util.Locale.ROOT, "%,d", about),
                String.format(java.util.Locale.ROOT, "%,.0f", read[0] / ((now - began) / 1e9)));
          }
        }
      }, (row, column, text, e) -> {
        read[0]++;
        out.letter(Columns.keyText(row.getKey()), unreadable(row, column, text, e));
      });
    } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
      throw e;
    } catch (Exception e) {
      // which table, and how far: what an operator needs to find the row (the next start loads again)
      throw new IllegalStateException("reading " + table + " after " + read[0] + " rows: " + e, e);
    }
    producer.flush();
    rethrow(failed);
    shown.set(read[0]);
    LOG.info("initial load: {} done, {} rows in {} s", table, String.format(java.util.Locale.ROOT, "%,d", read[0]),
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - began) / 1e9));
    return read[0];
  }

  /** The dead letter of a legacy row with a value the load cannot send as the capture would (stage CAPTURE). */
  private DeadLetter unreadable(final ChangeEvent row, final String column, final String text,
      final RuntimeException e) {
    return DeadLetters.of(Stage.CAPTURE, topics.apply().name(), -1, -1L, null, null, row, List.of(DeadLetters.error(
        "capture.unreadable", column, text, "the initial load cannot send " + row.getSource().getSchema$() + "."
            + row.getSource().getTable() + "." + column + " = " + text + " as the capture would: " + e,
        "correct the value in the legacy database (an UPDATE sends the row again), or leave the column out of the "
            + "mapping")), null);
  }

  /**
   * The end of the load: for each target table only its legacy table writes, a sweep marker on every apply
   * partition, as the processor sends the end of Debezium's snapshot (one CDC partition's worth: the load is one
   * writer).
   */
  private void sweep(final ExportedSnapshot snapshot, final List<String> tables,
      final KafkaProducer<String, byte[]> producer, final String apply, final AtomicReference<Exception> failed) {
    final Map<String, String> sweepable = GroupMapping.sweepable(mapping);
    final List<String> targets = tables.stream().map(sweepable::get).filter(java.util.Objects::nonNull).distinct()
        .sorted().toList();
    final long version = RowVersion.snapshot(snapshot.position());
    final String id = "load:" + config.name() + ":" + snapshot.name();
    final Serializer<ApplyRecord> serializer = topics.apply().valueSerde().serializer();
    final int partitions = producer.partitionsFor(apply).size();
    for (final String table : tables) {
      final String target = sweepable.get(table);
      if (target == null) {
        continue;
      }
      // the same marker on every partition: built and encoded once
      final byte[] marker = serializer.serialize(apply, GroupMapping.sweepRecord(target, table, snapshot.takenAtMs(),
          new SnapshotSweep(id, targets, version, 0, 1)));
      for (int p = 0; p < partitions; p++) {
        producer.send(new ProducerRecord<>(apply, p, "sweep:" + id, marker), (m, e) -> remember(failed, e));
      }
    }
  }

  @Override
  public Map<String, Long> loadedPerTable() {
    final Map<String, Long> out = new java.util.TreeMap<>();
    loaded.forEach((table, n) -> out.put(table, n.get()));
    return out;
  }

  @Override
  public void bindTo(final io.micrometer.core.instrument.MeterRegistry registry) {
    counts.bindTo(registry);
  }

  private KafkaProducer<String, byte[]> producer() {
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(FerryTopics.MAX_REQUEST_BYTES));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, config.name() + "-initial-load");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static void remember(final AtomicReference<Exception> failed, final Exception e) {
    if (e != null) {
      failed.compareAndSet(null, e);
    }
  }

  private static void rethrow(final AtomicReference<Exception> failed) throws Exception {
    final Exception e = failed.get();
    if (e != null) {
      throw new IllegalStateException("Kafka did not take a record of the initial load: " + e, e);
    }
  }

  /** Sends what the mapping gives: rows to the apply topic, letters to the dead-letter topic. */
  private final class Output implements GroupMapping.Out {
    private final KafkaProducer<String, byte[]> producer;
    private final String apply;
    private final String deadLetters;
    private final AtomicReference<Exception> failed;
    private final Serializer<ApplyRecord> rows = topics.apply().valueSerde().serializer();
    private final Serializer<DeadLetter> letterSerializer = topics.deadLetter().valueSerde().serializer();
    private long letters;
    /** The legacy row being mapped: what an oversized row's dead letter shows. */
    private ChangeEvent reading;

    Output(final KafkaProducer<String, byte[]> producer, final String apply, final String deadLetters,
        final AtomicReference<Exception> failed) {
      this.producer = producer;
      this.apply = apply;
      this.deadLetters = deadLetters;
      this.failed = failed;
    }

    @Override
    public void row(final String key, final ApplyRecord row) {
      final byte[] encoded = rows.serialize(apply, row);
      if (encoded.length > OversizedChange.LARGEST_BYTES) {
        // as the capture does with such a change: a dead letter, not a load that cannot finish
        letter(key, OversizedChange.deadLetter(reading, encoded.length, apply, OversizedChange.WHY));
        return;
      }
      producer.send(new ProducerRecord<>(apply, key, encoded), (m, e) -> remember(failed, e));
    }

    @Override
    public void letter(final String key, final DeadLetter letter) {
      letters++;
      producer.send(new ProducerRecord<>(deadLetters, key, letterSerializer.serialize(deadLetters, letter)),
          (m, e) -> remember(failed, e));
    }
  }
}
