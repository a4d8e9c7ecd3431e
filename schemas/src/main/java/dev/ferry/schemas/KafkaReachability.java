package dev.ferry.schemas;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka answers, asked once before a service or command starts its clients, so that a wrong
 * {@code kafka.bootstrap-servers} (or a broker that is not up) is said in one line within seconds.
 *
 * <p>Why: Kafka's clients never say "refused". Given an address nobody listens on, a producer or admin client logs
 * "Connection to node -1 could not be established" every second and a call fails after its timeout (a minute), and a
 * Kafka Streams application retries without end: seen before this class, a processor with a mistyped port logged
 * 128 such lines in 150 s and never said what was wrong.
 *
 * <p>How: a TCP connection to each bootstrap address, every second until one accepts or {@code within} has passed
 * (a broker still starting beside Ferry is waited for; one line says so); then a request to the cluster through
 * the configured client properties (TLS, SASL), which tells a Kafka broker from another server on that port and
 * says whether it takes Ferry's credentials.
 */
public final class KafkaReachability {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaReachability.class);
  /** How long to wait for Kafka unless {@code kafka.client.default.api.timeout.ms} says otherwise. */
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
  /**
   * The least time the cluster request gets once a port accepted, however little of the wait is left (a broker's
   * first answer can take seconds while it starts), unless the whole wait is shorter.
   */
  private static final Duration LEAST_FOR_REQUEST = Duration.ofSeconds(10);

  private KafkaReachability() {
  }

  /**
   * Returns once a Kafka broker of {@code kafka} answers; throws {@link ServerUnreachable} when none does within the
   * wait
   * ({@code kafka.client.default.api.timeout.ms}, else 30 s) or the broker refuses Ferry's credentials.
   */
  public static void await(final KafkaSettings kafka) {
    await(kafka, waitOf(kafka));
  }

  /**
   * {@link #await(KafkaSettings)}, then the schema registry of {@code kafka} within the same wait
   * ({@link ConfluentRegistryClient#awaitAnswer}): what a service that reads or writes Avro needs before it starts.
   */
  public static void awaitWithRegistry(final KafkaSettings kafka) {
    await(kafka);
    kafka.registry().awaitAnswer(waitOf(kafka));
  }

  static void await(final KafkaSettings kafka, final Duration within) {
    final long deadline = System.nanoTime() + within.toNanos();
    final String servers = kafka.bootstrapServers();
    WaitForAnswer.until(LOG, "Kafka at " + servers, "Kafka at kafka.bootstrap-servers = " + servers, deadline,
        within, () -> firstRefusal(servers, deadline));
    final long least = Math.min(LEAST_FOR_REQUEST.toNanos(), within.toNanos());
    final long left = Math.max(least, deadline - System.nanoTime());
    final int leftMs = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left));
    final Properties p = KafkaClients.properties(kafka);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, leftMs);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, leftMs);
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(leftMs)).clusterId()
          .get(leftMs + 5_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw refusal(servers, e.getCause(), leftMs);
    } catch (java.util.concurrent.TimeoutException e) {
      throw refusal(servers, e, leftMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerUnreachable("interrupted while asking Kafka at " + servers);
    }
  }

  /** What the broker's answer, or its silence, means for the user. */
  private static ServerUnreachable refusal(final String servers, final Throwable cause, final int waitedMs) {
    if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
      return new ServerUnreachable("Kafka at kafka.bootstrap-servers = " + servers + " refused Ferry: "
          + cause.getMessage()
          + " (its credentials and protocol: kafka.client.security.protocol, kafka.client.sasl.*, kafka.client.ssl.*)");
    }
    return new ServerUnreachable("cannot reach Kafka at kafka.bootstrap-servers = " + servers + ": the port accepts "
        + "connections, but no Kafka broker answered there within "
        + WaitForAnswer.seconds(Duration.ofMillis(waitedMs)) + " ("
        + cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + cause.getMessage() : "")
        + "); is it a Kafka listener, and does kafka.client.security.protocol match it?");
  }

  /** Null when an address of {@code servers} accepts a TCP connection; else why the last one did not. */
  static String firstRefusal(final String servers, final long deadline) {
    final List<String> why = new ArrayList<>();
    for (final String address : servers.split(",")) {
      final String a = address.trim();
      if (a.isEmpty()) {
        continue;
      }
      final String host = Utils.getHost(a);
      final Integer port = Utils.getPort(a);
      if (host == null || port == null) {
        why.add(a + ": not host:port");
        continue;
      }
      final InetAddress[] ips;
      try {
        ips = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        why.add(a + ": unknown host");
        continue;
      }
      // every address the name has, as Kafka's clients try them (client.dns.lookup = use_all_dns_ips)
      String failed = null;
      for (final InetAddress ip : ips) {
        final long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(ip, port), (int) Math.max(250, Math.min(2_000, leftMs)));
          return null;
        } catch (IOException | IllegalArgumentException e) {
          failed = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
      }
      why.add(a + ": " + failed);
    }
    return why.isEmpty() ? "no address given" : String.join("; ", why);
  }

  private static Duration waitOf(final KafkaSettings kafka) {
    final String set = kafka.clientProperties().get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    if (set != null) {
      try {
        return Duration.ofMillis(Long.parseLong(set.trim()));
      } catch (NumberFormatException e) {
        // Kafka's own config check names it when a client is built
        return DEFAULT_WAIT;
      }
    }
    return DEFAULT_WAIT;
  }

}
