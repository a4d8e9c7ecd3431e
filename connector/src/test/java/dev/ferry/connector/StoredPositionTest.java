package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A position stored by a Ferry before {@link ResumePositions} carries Debezium's last processed log position, which
 * would have Debezium search the stream once more at the next start: the capture rewrites it without it before
 * Debezium runs, and leaves every other position as it is.
 */
class StoredPositionTest {
  @TempDir
  Path dir;

  private Path file() {
    return dir.resolve("connector-offsets.dat");
  }

  private Properties debezium() {
    final Properties p = new Properties();
    p.put("name", "ferry-legacy");
    p.put("topic.prefix", "ferry-legacy");
    p.put("offset.storage", SourcePositionFile.class.getName());
    p.put("offset.storage.file.filename", file().toString());
    return p;
  }

  @Test
  void aPositionWithDebeziumsLastProcessedLogPositionIsRewrittenWithoutIt() throws Exception {
    SourcePositionFileTest.write(new SourcePositionFile(), file(), "{\"lsn\":27704320,\"lsn_proc\":27704320,"
        + "\"lsn_commit\":27704320,\"txId\":812,\"ts_usec\":1764000000000000,\"messageType\":\"COMMIT\"}");
    assertThat(StoredPosition.dropLastProcessed(OffsetStorage.FILE, debezium())).isTrue();
    final String stored = SourcePositionFileTest.read(new SourcePositionFile(), file());
    assertThat(stored).doesNotContain("lsn_proc").contains("\"lsn\":27704320", "\"lsn_commit\":27704320",
        "\"txId\":812", "\"ts_usec\":1764000000000000", "\"messageType\":\"COMMIT\"");
    assertThat(StoredPosition.dropLastProcessed(OffsetStorage.FILE, debezium())).as("nothing left to rewrite")
        .isFalse();
    assertThat(SourcePositionFileTest.read(new SourcePositionFile(), file())).isEqualTo(stored);
  }

  @Test
  void noPositionAndOneWithoutLastProcessedAreLeftAsTheyAre() throws Exception {
    assertThat(StoredPosition.dropLastProcessed(OffsetStorage.FILE, debezium())).isFalse();
    final String loaded = "{\"lsn\":100,\"ts_usec\":5000}";
    SourcePositionFileTest.write(new SourcePositionFile(), file(), loaded);
    assertThat(StoredPosition.dropLastProcessed(OffsetStorage.FILE, debezium())).isFalse();
    assertThat(SourcePositionFileTest.read(new SourcePositionFile(), file())).isEqualTo(loaded);
  }
}
