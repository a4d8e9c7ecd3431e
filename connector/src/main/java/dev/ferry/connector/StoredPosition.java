package dev.ferry.connector;

import io.debezium.embedded.EmbeddedWorkerConfig;
import io.debezium.embedded.KafkaConnectUtil;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.apache.kafka.connect.storage.OffsetStorageWriter;

/**
 * The capture's source position as Debezium keeps it (in {@code connector.offset-file} or {@code
 * connector.offset-topic}), read and written outside the engine, through the store and converters the engine uses.
 *
 * <p>Why: after a direct initial load Debezium must stream from the snapshot's position without taking a snapshot of
 * its own. Started in its {@code no_data} mode without a stored position it does, but then never sets up its
 * incremental snapshots ({@code ferry resnapshot}, a legacy TRUNCATE read again): it warns "Context is null" for
 * every change it streams until its next start. Started in its configured mode with a position stored, it skips the
 * snapshot (the position says none is running) and sets them up. The position written holds the log position only:
 * with no last processed or committed position Debezium does not search the log for a restart point and passes every
 * transaction the slot sends, from the slot's own start, as after a first start (its {@code WalPositionLocator}).
 */
final class StoredPosition {
  private static final long FLUSH_SECONDS = 60;

  private StoredPosition() {
  }

  /**
   * Stores {@code position} (a PostgreSQL log position) as where the capture of {@code debezium} (its engine's
   * properties) streams from, its time {@code tsMs}; with {@code onlyIfNone}, only where no position is stored yet.
   *
   * @return whether it was stored
   */
  static boolean store(final ConnectorConfig config, final Properties debezium, final long position, final long tsMs,
      final boolean onlyIfNone) throws Exception {
    final Map<String, String> props = asMap(debezium);
    final OffsetBackingStore store = open(config.offsetStorage(), props);
    try {
      if (onlyIfNone && read(store, props) != null) {
        return false;
      }
      write(store, props, Map.of("lsn", position, "ts_usec", tsMs * 1000));
      return true;
    } finally {
      store.stop();
    }
  }

  /**
   * Rewrites the stored position of the capture of {@code debezium} without Debezium's last processed log position
   * where it carries one ({@link ResumePositions}): a position a Ferry stored before that change, which would have
   * Debezium search the stream once more at this start.
   *
   * @return whether a position was rewritten
   */
  static boolean dropLastProcessed(final OffsetStorage storage, final Properties debezium) throws Exception {
    final Map<String, String> props = asMap(debezium);
    final OffsetBackingStore store = open(storage, props);
    try {
      final Map<String, Object> rewritten = ResumePositions.toStore(read(store, props));
      if (rewritten == null) {
        return false;
      }
      write(store, props, rewritten);
      return true;
    } finally {
      store.stop();
    }
  }

  private static Map<String, Object> read(final OffsetBackingStore store, final Map<String, String> props) {
    return new OffsetStorageReaderImpl(store, props.get("name"), KafkaConnectUtil.converterForOffsetStore(),
        valueConverter()).offset(partition(props));
  }

  private static void write(final OffsetBackingStore store, final Map<String, String> props,
      final Map<String, ?> position) throws Exception {
    final OffsetStorageWriter writer = new OffsetStorageWriter(store, props.get("name"),
        KafkaConnectUtil.converterForOffsetStore(), valueConverter());
    writer.offset(partition(props), position);
    if (!writer.beginFlush()) {
      throw new IllegalStateException("nothing to write to the offset store");
    }
    writer.doFlush((error, result) -> { }).get(FLUSH_SECONDS, TimeUnit.SECONDS);
  }

  private static OffsetBackingStore open(final OffsetStorage storage, final Map<String, String> props) {
    final OffsetBackingStore store = storage == OffsetStorage.FILE ? new SourcePositionFile()
        : KafkaConnectUtil.kafkaOffsetBackingStore(props);
    store.configure(new EmbeddedWorkerConfig(props));
    store.start();
    return store;
  }

  /** Debezium's PostgreSQL partition: its logical server name (the topic prefix, here the capture's name). */
  private static Map<String, Object> partition(final Map<String, String> props) {
    return Map.of("server", props.get("topic.prefix"));
  }

  /** As the engine's: JSON without schemas, configured as a value converter. */
  private static Converter valueConverter() {
    final org.apache.kafka.connect.json.JsonConverter c = new org.apache.kafka.connect.json.JsonConverter();
    c.configure(Map.of("schemas.enable", "false"), false);
    return c;
  }

  private static Map<String, String> asMap(final Properties p) {
    final Map<String, String> out = new HashMap<>();
    for (final String name : p.stringPropertyNames()) {
      out.put(name, p.getProperty(name));
    }
    return out;
  }
}
