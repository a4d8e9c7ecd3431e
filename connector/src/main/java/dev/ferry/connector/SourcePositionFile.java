package dev.ferry.connector;

import io.debezium.embedded.KafkaConnectUtil;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.SafeObjectInputStream;

/**
 * The capture's source position in a file ({@code connector.offset-storage: file}), written whole or not at all.
 *
 * <p><b>Why not Kafka's {@link FileOffsetBackingStore} as it is.</b> It rewrites the file in place: it truncates it,
 * then writes the new position, once a second. A connector killed between the two (SIGKILL, the OOM killer, a
 * container stopped hard), or a machine that loses power before the write reaches the disk, leaves the file empty or
 * cut short, and Kafka's store reads an empty or cut-short file as <em>no position at all</em>. Debezium then takes a
 * new initial snapshot of every captured table, silently: on a live target the rows of that snapshot arrive one by
 * one, not as the legacy transactions that wrote them, so a reader of the target sees orders without their lines
 * until the snapshot has passed (found by {@code ConnectorCrashIT}: the first restart re-read the tables, and dozens
 * of orders written while the connector was down were seen torn), and on a large legacy database the capture is
 * gone for the hours a snapshot takes.
 *
 * <p>Here each position is written to a file beside it ({@code <file>.tmp}), forced to the disk, and moved over the
 * old one in one atomic rename, so the file always holds a whole position: the last one, or the one before. The
 * format is Kafka's (a serialised map of key and value bytes): a file an earlier Ferry wrote is read as it is, and
 * one written here can be read by Kafka's store.
 *
 * <p>A file that exists but cannot be read (left cut short by an earlier Ferry, or damaged on the disk) stops the
 * capture before anything starts, naming the file and the two ways on ({@link #check}): it is never taken for a
 * first start.
 *
 * <p>Debezium makes it with its no-argument constructor (named by class in {@code offset.storage}); the position's
 * keys are converted as Debezium's own file store converts them.
 */
public final class SourcePositionFile extends FileOffsetBackingStore {
  private Path file;

  public SourcePositionFile() {
    super(KafkaConnectUtil.converterForOffsetStore());
  }

  @Override
  public void configure(final WorkerConfig config) {
    super.configure(config);
    this.file = Path.of(config.getString(StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG));
  }

  @Override
  public synchronized void start() {
    check(file);
    super.start();
  }

  /**
   * Refuses a position file that exists but cannot be read: Kafka's store would take it for none and the capture
   * would start over with a snapshot. A missing file is a first start and passes.
   *
   * <p>It also refuses a file whose directory cannot be written ({@link #writable}).
   *
   * @throws IllegalStateException naming the file, what is wrong with it, and what to do
   */
  static void check(final Path file) {
    writable(file);
    if (!Files.exists(file)) {
      return;
    }
    final String problem = unreadable(file);
    if (problem != null) {
      throw new IllegalStateException("connector.offset-file " + file.toAbsolutePath() + " holds no readable source "
          + "position (" + problem + "); the capture does not start, so that it does not silently take a new snapshot "
          + "of every table. Restore the file from a backup to resume where the capture was, or delete it to capture "
          + "again from a new snapshot (the target keeps what it has; rows the legacy database no longer holds are "
          + "removed when the snapshot ends)");
    }
  }

  /**
   * Makes the file's directory if missing and writes a file into it. Without that the capture would start, stream,
   * and fail every second to keep its position (a warning each time): the slot would not advance, so the legacy
   * database would keep its WAL, and a restart would take the last position written, or a new snapshot.
   */
  private static void writable(final Path file) {
    final Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".ferry-write-check", ".tmp"));
    } catch (IOException e) {
      throw new IllegalStateException("connector.offset-file " + file.toAbsolutePath() + ": its directory cannot "
          + "be written (" + e + "); the capture does not start, since it could not keep its source position. "
          + "Set connector.offset-file to a path in a writable directory, or connector.offset-storage to kafka", e);
    }
  }

  /** What keeps {@code file} from being read as a position, or null when it reads. */
  private static String unreadable(final Path file) {
    try {
      if (Files.size(file) == 0) {
        return "the file is empty: an earlier Ferry was stopped while writing it";
      }
      try (SafeObjectInputStream in = new SafeObjectInputStream(Files.newInputStream(file))) {
        return in.readObject() instanceof Map<?, ?> ? null : "the file does not hold a map of positions";
      }
    } catch (EOFException e) {
      return "the file ends too soon: it was cut short while being written";
    } catch (IOException | ClassNotFoundException e) {
      return e.toString();
    }
  }

  /** Writes every position held to {@code <file>.tmp}, forces it to the disk, and renames it over the file. */
  @Override
  protected void save() {
    final Map<byte[], byte[]> raw = new HashMap<>();
    for (final Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
      raw.put(e.getKey() == null ? null : e.getKey().array(), e.getValue() == null ? null : e.getValue().array());
    }
    final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        final ObjectOutputStream out = new ObjectOutputStream(Channels.newOutputStream(channel));
        out.writeObject(raw);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + file + " cannot rename a file over another atomically", e);
      }
      forceDirectory(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the capture's source position to " + file, e);
    }
  }

  /** Makes the rename itself durable where the platform allows a directory to be forced (Linux does). */
  private static void forceDirectory(final Path directory) {
    if (directory == null) {
      return;
    }
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // not every platform opens a directory as a channel; the rename is atomic regardless, only its durability on
      // a power loss depends on this
    }
  }
}
