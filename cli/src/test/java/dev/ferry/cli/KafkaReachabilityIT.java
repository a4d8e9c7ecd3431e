package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.embedded.EmbeddedKafka;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import dev.ferry.schemas.KafkaReachability;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.ServerUnreachable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checks every service and Kafka command makes before it builds a client ({@link KafkaReachability}, the
 * registry's {@code awaitAnswer}), against the embedded broker and registry and against loopback ports where neither
 * is: each failure names the setting, its value and what happened, within the wait, instead of Kafka's clients
 * retrying for a minute or for ever, or the registry's client failing at the first record.
 */
class KafkaReachabilityIT {
  private final EmbeddedStack stack = SharedStack.get();

  @Test
  void theRunningBrokerAnswersAtOnce() {
    final long started = System.nanoTime();
    KafkaReachability.await(settings(stack.kafka().bootstrapServers(), Map.of()));
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
  }

  @Test
  void aPortNobodyListensOnIsNamedWithTheRefusalOnceTheWaitIsOver() throws Exception {
    final int port = deadPort();
    final String servers = "127.0.0.1:" + port;
    final long started = System.nanoTime();
    assertThatThrownBy(() -> KafkaReachability.await(settings(servers, Map.of("default.api.timeout.ms", "2000"))))
        .isInstanceOf(ServerUnreachable.class)
        .hasMessageContaining("kafka.bootstrap-servers = " + servers)
        .hasMessageContaining("within 2 s")
        .hasMessageContaining("Connection refused");
    final long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(tookMs).as("waited for the broker, then gave up").isBetween(1_900L, 10_000L);
  }

  @Test
  void anyAddressOfTheListWillDo() throws Exception {
    // the address lists a dead port first: the second, the running broker, is found
    final int dead = deadPort();
    KafkaReachability.await(settings("127.0.0.1:" + dead + "," + stack.kafka().bootstrapServers(),
        Map.of("default.api.timeout.ms", "5000")));
  }

  @Test
  void aServerThatIsNotKafkaIsToldApartFromABroker() throws Exception {
    final List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      final Thread acceptor = new Thread(() -> {
        try {
          while (!silent.isClosed()) {
            accepted.add(silent.accept());
          }
        } catch (java.io.IOException e) {
          // closed: the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      final String servers = "127.0.0.1:" + silent.getLocalPort();
      assertThatThrownBy(() -> KafkaReachability.await(settings(servers, Map.of("default.api.timeout.ms", "3000"))))
          .isInstanceOf(ServerUnreachable.class)
          .hasMessageContaining("kafka.bootstrap-servers = " + servers)
          .hasMessageContaining("the port accepts connections, but no Kafka broker answered there")
          .hasMessageContaining("kafka.client.security.protocol");
    } finally {
      synchronized (accepted) {
        for (final Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  @Test
  void wrongCredentialsAreSaidAsSuch() {
    final Map<String, String> sasl = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + EmbeddedKafka.SASL_USER + "\" password=\"not-the-password\";",
        "default.api.timeout.ms", "20000");
    assertThatThrownBy(() -> KafkaReachability.await(settings(stack.kafka().saslBootstrapServers(), sasl)))
        .isInstanceOf(ServerUnreachable.class)
        .hasMessageContaining("refused Ferry")
        .hasMessageContaining("Authentication failed")
        .hasMessageContaining("kafka.client.sasl.*");
  }

  @Test
  void theRunningRegistryAnswers() {
    new dev.ferry.schemas.ConfluentRegistryClient(stack.registry().url()).awaitAnswer(java.time.Duration.ofSeconds(5));
  }

  @Test
  void aRegistryPortNobodyListensOnIsNamedOnceTheWaitIsOver() throws Exception {
    final int port = deadPort();
    final String url = "http://127.0.0.1:" + port;
    assertThatThrownBy(() -> new dev.ferry.schemas.ConfluentRegistryClient(url)
        .awaitAnswer(java.time.Duration.ofSeconds(2)))
        .isInstanceOf(ServerUnreachable.class)
        .hasMessageStartingWith("cannot reach the schema registry at registry.url = " + url + " within 2 s: "
            + "connection refused");
  }

  @Test
  void aRegistryAddressWithoutItsApiPathIsToldApart() {
    final String url = stack.registry().url();
    final String server = url.substring(0, url.indexOf("/apis/"));
    assertThatThrownBy(() -> new dev.ferry.schemas.ConfluentRegistryClient(server)
        .awaitAnswer(java.time.Duration.ofSeconds(5)))
        .isInstanceOf(ServerUnreachable.class)
        .hasMessageContaining("registry.url = " + server + " does not answer as a Confluent-compatible registry API "
            + "(GET /subjects: HTTP 404)");
  }

  /** A loopback port nobody listens on (one just closed). */
  private static int deadPort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private KafkaSettings settings(final String servers, final Map<String, String> client) {
    return new KafkaSettings(servers, stack.registry().url(), "it_reach", 1, (short) 1, List.of(), client, "", "");
  }
}
