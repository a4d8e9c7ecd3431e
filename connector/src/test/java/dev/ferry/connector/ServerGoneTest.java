package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.DebeziumException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

class ServerGoneTest {
  @Test
  void aTaskStartOnAConnectionThatDiedIsAServerGone() {
    // what Debezium 3.6 reported when the legacy server stopped while its task started (LegacyGoneAtEngineStartIT)
    final Throwable error = new ExecutionException(new DebeziumException(
        "Couldn't get timestamp utils from underlying connection", new PSQLException("Connection to 127.0.0.1:33229 "
        + "refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP "
        + "connections.", PSQLState.CONNECTION_UNABLE_TO_CONNECT, new ConnectException("Connection refused"))));
    assertThat(ServerGone.in("Unable to start task", error)).isTrue();
    assertThat(ServerGone.reason("Unable to start task", error)).isEqualTo("Connection to 127.0.0.1:33229 refused. "
        + "Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections. "
        + "(SQL state 08001)");
  }

  @Test
  void aValidationThatCouldNotConnectIsAServerGoneByItsWordsAlone() {
    final String message = "Connector configuration is not valid. Unable to connect: The connection attempt failed.";
    assertThat(ServerGone.in(message, null)).isTrue();
    assertThat(ServerGone.reason(message, null)).isEqualTo("The connection attempt failed");
    // seen in LegacyGoneAtEngineStartIT: the new engine's validation while the server was still gone
    assertThat(ServerGone.in("Connector configuration is not valid. Error while validating connector config: "
        + "Connection to 127.0.0.1:42237 refused. Check that the hostname and port are correct and that the postmaster "
        + "is accepting TCP/IP connections.", null)).isTrue();
  }

  @Test
  void aServerShuttingDownOrStartingUpIsGoneForNow() {
    assertThat(ServerGone.in("x", new SQLException("terminating connection", "57P01"))).isTrue();
    assertThat(ServerGone.in("x", new RuntimeException(new SQLException("the database system is starting up",
        "57P03")))).isTrue();
    assertThat(ServerGone.in("x", new RuntimeException("wrapped", new java.io.EOFException()))).isTrue();
  }

  @Test
  void whatStaysUntilSomeoneActsIsNotAServerGone() {
    assertThat(ServerGone.in("x", new SQLException("password authentication failed for user ferry", "28P01")))
        .isFalse();
    assertThat(ServerGone.in("x", new SQLException("protocol violation", "08P01"))).isFalse();
    assertThat(ServerGone.in("Error while trying to run connector class", new IllegalStateException("The connector "
        + "is trying to read change stream starting at Offset{lsn=1}, but this is no longer available on the server.")))
        .isFalse();
    assertThat(ServerGone.in("Time out while waiting for source task to start", null)).isFalse();
    assertThat(ServerGone.in(null, null)).isFalse();
  }

  @Test
  void theWaitBetweenEnginesDoublesUpToItsLongest() {
    assertThat(CaptureEngine.longer(CaptureEngine.FIRST_WAIT)).isEqualTo(Duration.ofSeconds(2));
    assertThat(CaptureEngine.longer(Duration.ofSeconds(16))).isEqualTo(CaptureEngine.LONGEST_WAIT);
    assertThat(CaptureEngine.longer(CaptureEngine.LONGEST_WAIT)).isEqualTo(CaptureEngine.LONGEST_WAIT);
  }
}
