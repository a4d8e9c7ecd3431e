package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * A registry behind HTTP basic authentication (a stand-in HTTP server on the loopback that answers like a registry
 * and notes the Authorization header): with registry.user set, every request carries the credentials; without,
 * none does.
 */
class RegistryAuthenticationTest {
  @Test
  void registrySettingsWithAUserAuthenticateEveryRequest() throws Exception {
    final List<String> seen = new ArrayList<>();
    final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seen.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      final byte[] body = "{\"id\": 7}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      final String url = "http://127.0.0.1:" + server.getAddress().getPort();
      final Schema schema = Schema.create(Schema.Type.STRING);
      final KafkaSettings secured = new KafkaSettings("k:9092", url, "t", 1, (short) 1, List.of(),
          java.util.Map.of(), "ferry", "s3cret");
      assertThat(secured.registry().register("t-value", schema)).isEqualTo(7);
      assertThat(new KafkaSettings("k:9092", url, "t", 1, (short) 1).registry().register("u-value", schema))
          .isEqualTo(7);
      assertThat(seen).containsExactly(
          "Basic " + Base64.getEncoder().encodeToString("ferry:s3cret".getBytes(StandardCharsets.UTF_8)), "null");
    } finally {
      server.stop(0);
    }
  }
}
