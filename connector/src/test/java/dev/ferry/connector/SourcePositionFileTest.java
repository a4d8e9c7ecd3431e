package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.debezium.embedded.KafkaConnectUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcePositionFileTest {
  private static final ByteBuffer KEY = bytes("[\"ferry-legacy\",{\"server\":\"ferry-legacy\"}]");

  @TempDir
  Path dir;

  @Test
  void aPositionWrittenIsReadBackByANewStoreAndNoTemporaryFileIsLeft() throws Exception {
    final Path file = dir.resolve("offsets.dat");
    write(new SourcePositionFile(), file, "{\"lsn_proc\":27704320,\"lsn_commit\":27704320}");
    write(new SourcePositionFile(), file, "{\"lsn_proc\":27704999,\"lsn_commit\":27704999}");

    assertThat(read(new SourcePositionFile(), file)).isEqualTo("{\"lsn_proc\":27704999,\"lsn_commit\":27704999}");
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("offsets.dat");
  }

  @Test
  void theFormatIsKafkasBothWays() throws Exception {
    final Path byKafka = dir.resolve("kafka.dat");
    write(KafkaConnectUtil.fileOffsetBackingStore(), byKafka, "{\"lsn\":1}");
    assertThat(read(new SourcePositionFile(), byKafka)).isEqualTo("{\"lsn\":1}");

    final Path byFerry = dir.resolve("ferry.dat");
    write(new SourcePositionFile(), byFerry, "{\"lsn\":2}");
    assertThat(read(KafkaConnectUtil.fileOffsetBackingStore(), byFerry)).isEqualTo("{\"lsn\":2}");
  }

  @Test
  void anEmptyFileIsRefusedNamingTheFileAndTheWaysOnWhereKafkasStoreTakesItForNoPosition() throws Exception {
    final Path file = dir.resolve("offsets.dat");
    Files.createFile(file);

    assertThat(read(KafkaConnectUtil.fileOffsetBackingStore(), file)).as("Kafka's own store: a first start").isNull();
    assertThatThrownBy(() -> SourcePositionFile.check(file)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connector.offset-file " + file.toAbsolutePath())
        .hasMessageContaining("the file is empty")
        .hasMessageContaining("delete it to capture again from a new snapshot");
    assertThatThrownBy(() -> read(new SourcePositionFile(), file)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFileCutShortIsRefused() throws Exception {
    final Path file = dir.resolve("offsets.dat");
    write(KafkaConnectUtil.fileOffsetBackingStore(), file, "{\"lsn_proc\":27704320,\"lsn_commit\":27704320}");
    final byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length / 2));

    assertThatThrownBy(() -> SourcePositionFile.check(file)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cut short");
  }

  @Test
  void aMissingFileIsAFirstStartAndATemporaryFileLeftByAKillIsIgnored() throws Exception {
    final Path file = dir.resolve("offsets.dat");
    SourcePositionFile.check(file);
    assertThat(read(new SourcePositionFile(), file)).isNull();

    write(new SourcePositionFile(), file, "{\"lsn\":7}");
    Files.write(dir.resolve("offsets.dat.tmp"), new byte[] {(byte) 0xAC, (byte) 0xED, 0});
    SourcePositionFile.check(file);
    assertThat(read(new SourcePositionFile(), file)).isEqualTo("{\"lsn\":7}");
    write(new SourcePositionFile(), file, "{\"lsn\":8}");
    assertThat(read(new SourcePositionFile(), file)).isEqualTo("{\"lsn\":8}");
  }

  @Test
  void aDirectoryThatCannotBeWrittenIsRefusedBeforeTheCaptureStartsAndAMissingOneIsMade() throws Exception {
    // a path under a regular file: no directory can be made there (permissions would not stop root, who runs CI)
    final Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
    final Path file = notADirectory.resolve("offsets.dat");
    assertThatThrownBy(() -> SourcePositionFile.check(file)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connector.offset-file " + file.toAbsolutePath())
        .hasMessageContaining("its directory cannot be written")
        .hasMessageContaining("connector.offset-storage to kafka");

    final Path nested = dir.resolve("state/capture/offsets.dat");
    SourcePositionFile.check(nested);
    assertThat(nested.getParent()).isDirectory();
    try (var left = Files.list(nested.getParent())) {
      assertThat(left).as("the write check leaves nothing behind").isEmpty();
    }
  }

  /** Stores {@code value} as the one position in {@code file} through {@code store}, as the engine does. */
  static void write(final OffsetBackingStore store, final Path file, final String value) throws Exception {
    store.configure(config(file));
    store.start();
    try {
      store.set(Map.of(KEY, bytes(value)), null).get();
    } finally {
      store.stop();
    }
  }

  /** The one position {@code store} reads from {@code file}, or null. */
  static String read(final OffsetBackingStore store, final Path file) throws Exception {
    store.configure(config(file));
    store.start();
    try {
      final ByteBuffer value = store.get(List.of(KEY)).get().get(KEY);
      return value == null ? null : StandardCharsets.UTF_8.decode(value).toString();
    } finally {
      store.stop();
    }
  }

  static StandaloneConfig config(final Path file) {
    // the worker's settings Kafka's config class requires; the stores read the file name only, and contact nothing
    return new StandaloneConfig(Map.of("bootstrap.servers", "127.0.0.1:9",
        "key.converter", "org.apache.kafka.connect.json.JsonConverter",
        "value.converter", "org.apache.kafka.connect.json.JsonConverter",
        StandaloneConfig.OFFSET_STORAGE_FILE_FILENAME_CONFIG, file.toString()));
  }

  private static ByteBuffer bytes(final String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
