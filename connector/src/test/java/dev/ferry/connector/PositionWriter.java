package dev.ferry.connector;

import io.debezium.embedded.KafkaConnectUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.connect.storage.OffsetBackingStore;

/**
 * A process that writes source positions without pause until it is killed, for {@link SourcePositionFileIT}: {@code
 * <ferry|kafka> <file> <first>} writes position {@code first}, prints {@code written}, then {@code first + 1} and
 * on, each padded to a different length, through Ferry's store or Kafka's own. Stops by itself after two minutes.
 */
public final class PositionWriter {
  static final ByteBuffer KEY = ByteBuffer.wrap("[\"ferry-legacy\",{\"server\":\"ferry-legacy\"}]"
      .getBytes(StandardCharsets.UTF_8));

  private PositionWriter() {
  }

  public static void main(final String[] args) throws Exception {
    final OffsetBackingStore store = "kafka".equals(args[0]) ? KafkaConnectUtil.fileOffsetBackingStore()
        : new SourcePositionFile();
    store.configure(SourcePositionFileTest.config(Path.of(args[1])));
    store.start();
    final long end = System.nanoTime() + 120_000_000_000L;
    for (long n = Long.parseLong(args[2]); System.nanoTime() < end; n++) {
      store.set(Map.of(KEY, ByteBuffer.wrap(position(n).getBytes(StandardCharsets.UTF_8))), null).get();
      if (n == Long.parseLong(args[2])) {
        System.out.println("written");
        System.out.flush();
      }
    }
    store.stop();
  }

  /** Position {@code n} as the writer writes it: its number, and padding that varies the file's length. */
  static String position(final long n) {
    return "{\"lsn\":" + n + ",\"pad\":\"" + "x".repeat((int) (n % 700)) + "\"}";
  }
}
