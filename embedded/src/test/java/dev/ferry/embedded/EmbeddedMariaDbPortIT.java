package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
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
        EmbeddedMariaDb own = EmbeddedMariaDb.start(work, "own", firstThen(other.port()))) {
      assertThat(own.port()).isNotEqualTo(other.port());
      assertThat(dataDirectory(own)).isEqualTo(work.resolve("own/data").toRealPath());
      assertThat(dataDirectory(other)).as("the other server still serves")
          .isEqualTo(work.resolve("other/data").toRealPath());
    }
  }

  @Test
  void aListenerOnThePortIsLeftForAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        EmbeddedMariaDb own = EmbeddedMariaDb.start(work, "own", firstThen(taken.getLocalPort()))) {
      assertThat(own.port()).isNotEqualTo(taken.getLocalPort());
      assertThat(dataDirectory(own)).isEqualTo(work.resolve("own/data").toRealPath());
    }
  }

  private static IntSupplier firstThen(final int port) {
    final AtomicInteger asked = new AtomicInteger();
    return () -> asked.getAndIncrement() == 0 ? port : FreePort.pick();
  }

  private static Path dataDirectory(final EmbeddedMariaDb db) throws Exception {
    try (Connection c = db.connect(""); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT @@datadir")) {
      r.next();
      return Path.of(r.getString(1)).toRealPath();
    }
  }
}
