package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What {@link KafkaReachability} says of each bootstrap address before it asks a broker anything. */
class KafkaReachabilityTest {
  private static long inSeconds(final int s) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
  }

  @Test
  void aListeningPortIsEnough() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(KafkaReachability.firstRefusal("127.0.0.1:" + s.getLocalPort(), inSeconds(5))).isNull();
    }
  }

  @Test
  void eachAddressThatFailedIsNamedWithWhy() throws Exception {
    final int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    final String why = KafkaReachability.firstRefusal(
        "127.0.0.1:" + dead + ", no-such-host.invalid:9092 ,kafka-without-port", inSeconds(5));
    assertThat(why).isEqualTo("127.0.0.1:" + dead + ": Connection refused; no-such-host.invalid:9092: unknown host; "
        + "kafka-without-port: not host:port");
  }

  @Test
  void anEmptyListSaysSo() {
    assertThat(KafkaReachability.firstRefusal(" , ", inSeconds(1))).isEqualTo("no address given");
  }

  @Test
  void aLaterAddressThatListensIsFound() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(KafkaReachability.firstRefusal("no-such-host.invalid:9092,localhost:" + s.getLocalPort(),
          inSeconds(5))).isNull();
    }
  }
}
