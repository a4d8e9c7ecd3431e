package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port probed free and taken by a listener before the server binds it does not give a test a server that is not
 * its own, nor stop the stack: the server starts again on another port.
 */
class EmbeddedDatabasePortIT {
  @TempDir
  Path work;

  @Test
  void anotherPostgresOnThePortIsNotTakenForThisOne() throws Exception {
    try (EmbeddedDatabase other = EmbeddedDatabase.start(work, "other-pg");
        EmbeddedDatabase own = EmbeddedDatabase.start(work, "own-pg", TakenPort.firstThen(other.port()), true,
            Duration.ofSeconds(60))) {
      assertThat(own.port()).isNotEqualTo(other.port());
      assertThat(dataDirectory(own)).isEqualTo(work.resolve("own-pg").toRealPath());
      assertThat(dataDirectory(other)).as("the other server still serves").isEqualTo(work.resolve("other-pg")
          .toRealPath());
    }
  }

  @Test
  void aListenerThatIsNotPostgresOnThePortIsLeftForAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      final Thread refusing = new Thread(() -> {
        while (!taken.isClosed()) {
          try (Socket s = taken.accept()) {
            // not PostgreSQL: closes every connection at once
          } catch (IOException e) {
            return;
          }
        }
      }, "not-postgres");
      refusing.setDaemon(true);
      refusing.start();
      try (EmbeddedDatabase own = EmbeddedDatabase.start(work, "own-pg", TakenPort.firstThen(taken.getLocalPort()), true,
          Duration.ofSeconds(2))) {
        assertThat(own.port()).isNotEqualTo(taken.getLocalPort());
        assertThat(dataDirectory(own)).isEqualTo(work.resolve("own-pg").toRealPath());
      }
    }
  }

  private static Path dataDirectory(final EmbeddedDatabase db) throws Exception {
    return TakenPort.dataDirectory(db.connect("postgres"), "SHOW data_directory");
  }
}
