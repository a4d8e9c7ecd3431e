package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** As {@link EmbeddedDatabasePortIT}, for the MariaDB server the MariaDB tests start (skipped where there is none). */
class EmbeddedMariaDbPortIT {
  @TempDir
  Path work;

  @BeforeEach
  void needsMariaDb() {
    assumeTrue(EmbeddedMariaDb.unavailableBecause() == null, EmbeddedMariaDb.unavailableBecause());
  }

  @Test
  void anotherMariaDbOnThePortIsNotTakenForThisOne() throws Exception {
    try (EmbeddedMariaDb other = EmbeddedMariaDb.start(work, "other");
        EmbeddedMariaDb own = EmbeddedMariaDb.start(work, "own", TakenPort.firstThen(other.port()))) {
      assertThat(own.port()).isNotEqualTo(other.port());
      assertThat(dataDirectory(own)).isEqualTo(work.resolve("own/data").toRealPath());
      assertThat(dataDirectory(other)).as("the other server still serves")
          .isEqualTo(work.resolve("other/data").toRealPath());
    }
  }

  @Test
  void aListenerOnThePortIsLeftForAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        EmbeddedMariaDb own = EmbeddedMariaDb.start(work, "own", TakenPort.firstThen(taken.getLocalPort()))) {
      assertThat(own.port()).isNotEqualTo(taken.getLocalPort());
      assertThat(dataDirectory(own)).isEqualTo(work.resolve("own/data").toRealPath());
    }
  }

  private static Path dataDirectory(final EmbeddedMariaDb db) throws Exception {
    return TakenPort.dataDirectory(db.connect(""), "SELECT @@datadir");
  }
}
