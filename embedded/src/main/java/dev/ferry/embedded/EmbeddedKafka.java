package dev.ferry.embedded;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.IntSupplier;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka cluster (combined KRaft broker and controller) inside this JVM, on loopback,
 * built from Kafka's production classes: format the log directory, then start {@link KafkaRaftServer}.
 * Settings are those of a one-node cluster: replication factor 1 for internal topics, no initial
 * rebalance delay, no topic auto-creation (Ferry creates its topics explicitly).
 */
public final class EmbeddedKafka implements AutoCloseable {
  /** The user the SASL listener ({@link #saslBootstrapServers}) knows, with {@link #SASL_PASSWORD}. */
  public static final String SASL_USER = "ferry";
  public static final String SASL_PASSWORD = "ferry-secret";

  /** Starts on fresh ports before giving up when a probed port was taken before the broker bound it. */
  private static final int BIND_ATTEMPTS = 5;

  private final KafkaConfig config;
  private KafkaRaftServer server;
  private final String bootstrapServers;
  private final String saslBootstrapServers;
  private final Path logDir;

  private EmbeddedKafka(final KafkaConfig config, final KafkaRaftServer server, final String bootstrapServers,
      final String saslBootstrapServers, final Path logDir) {
    this.config = config;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.saslBootstrapServers = saslBootstrapServers;
    this.logDir = logDir;
  }

  /** Formats a fresh log directory under {@code workDir} and starts the broker; returns once it serves. */
  public static EmbeddedKafka start(final Path workDir) {
    return start(workDir, FreePort::pick);
  }

  /**
   * Starts the broker on ports from {@code ports}, on fresh ones and in a fresh log directory when one of them was
   * taken by the time the broker bound it. A probed port is free only until something else binds it: another JVM's
   * probe (the integration tests run two, each starting a stack at once), a database server this one starts beside
   * it, an outgoing connection given the same ephemeral port. Seen in CI: "Received a fatal error while waiting for
   * all of the SocketServer Acceptors to be started", the suite's stack gone for a test class.
   */
  static EmbeddedKafka start(final Path workDir, final IntSupplier ports) {
    caseMapsAsciiAsEnglish();
    for (int attempt = 1; ; attempt++) {
      final Path logDir = workDir.resolve(attempt == 1 ? "kafka-logs" : "kafka-logs-" + attempt);
      try {
        return start(logDir, ports.getAsInt(), ports.getAsInt(), ports.getAsInt());
      } catch (RuntimeException e) {
        if (attempt == BIND_ATTEMPTS || !PortTaken.causedBy(e) && !ExitRequested.in(e)) {
          throw e;
        }
        LoggerFactory.getLogger(EmbeddedKafka.class).warn("embedded Kafka could not start ({}); starting it "
            + "again on other ports ({} of {})", PortTaken.causedBy(e) ? PortTaken.reason(e) : e.getMessage(),
            attempt + 1, BIND_ATTEMPTS);
      }
    }
  }

  private static EmbeddedKafka start(final Path logDir, final int brokerPort, final int controllerPort,
      final int saslPort) {
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    final Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort
        + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
    // a second listener that wants a user and password (SASL/PLAIN), so that tests can show a client that is not
    // configured for it refused and one that is served
    props.put("sasl.enabled.mechanisms", "PLAIN");
    props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + SASL_USER + "\" password=\""
            + SASL_PASSWORD + "\" user_" + SASL_USER + "=\"" + SASL_PASSWORD + "\";");
    props.put("log.dirs", logDir.toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "3");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "3");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    props.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
    final KafkaConfig config = KafkaConfig.fromProps(props, false);
    try {
      new Formatter()
          .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setControllerListenerName("CONTROLLER")
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format the embedded Kafka log directory " + logDir, e);
    }
    final KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    // a fatal fault while starting (the controller's listener port taken) ends the process by Kafka's fault handler
    // (Exit.exit): the whole test JVM, demo or sandbox with it, before any retry. While it starts, the exit is thrown
    // back to this thread instead (seen: a test fork gone, "The forked VM terminated without properly saying goodbye")
    Exit.setExitProcedure(EmbeddedKafka::exitRequested);
    Exit.setHaltProcedure(EmbeddedKafka::exitRequested);
    try {
      server.startup();
    } catch (RuntimeException e) {
      // the part that did start (the controller, when the broker's listener could not bind) holds its port and threads
      try {
        server.shutdown();
        server.awaitShutdown();
      } catch (RuntimeException stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    } finally {
      Exit.resetExitProcedure();
      Exit.resetHaltProcedure();
    }
    return new EmbeddedKafka(config, server, "127.0.0.1:" + brokerPort, "127.0.0.1:" + saslPort, logDir);
  }

  /** Kafka asked to end the process while the broker started: what the start throws instead. */
  static final class ExitRequested extends RuntimeException {
    ExitRequested(final int status, final String message) {
      super("the embedded Kafka broker met a fatal fault while starting and asked to exit with status " + status
          + (message == null ? "" : ": " + message) + " (its log says which; most often a port taken)");
    }

    /** Whether {@code e} or one of its causes is such a request. */
    static boolean in(final Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ExitRequested) {
          return true;
        }
      }
      return false;
    }
  }

  private static void exitRequested(final int status, final String message) {
    throw new ExitRequested(status, message);
  }

  /**
   * Kafka's broker upper-cases names in the default locale: under a Turkish (or Azerbaijani) one, {@code "classic"}
   * becomes {@code "CLASSİC"}, no group type, and the broker does not start (seen: {@code scripts/ferry sandbox} with
   * {@code -Duser.language=tr}). The embedded broker shares its process (demo, sandbox, tests), so that process takes
   * the root locale; Ferry's own code names its locale wherever case or numbers are formatted.
   */
  private static void caseMapsAsciiAsEnglish() {
    if (!"i".equals("I".toLowerCase()) || !"I".equals("i".toUpperCase())) {
      LoggerFactory.getLogger(EmbeddedKafka.class).warn("default locale {} maps the letter i to another case than "
          + "English, which the embedded Kafka broker cannot start under; this process uses the root locale",
          Locale.getDefault());
      Locale.setDefault(Locale.ROOT);
    }
  }

  /** {@code host:port} of the listener that wants SASL/PLAIN as {@link #SASL_USER}. */
  public String saslBootstrapServers() {
    return saslBootstrapServers;
  }

  /** {@code host:port} for clients. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Settings for a producer that tests and benchmarks write their input with: this broker and one
   * request in flight. With several, a first request refused (NOT_LEADER_OR_FOLLOWER right after topic
   * creation) while later ones succeed is retried forever with OUT_OF_ORDER_SEQUENCE_NUMBER, an
   * idempotent producer's known bug (KAFKA-14359) that hung this project's tests.
   */
  public Properties producerProperties() {
    final Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("max.in.flight.requests.per.connection", "1");
    return p;
  }

  public Path logDir() {
    return logDir;
  }

  /**
   * Stops the broker as an outage would (its clients see it gone), keeping its data and ports for {@link #restart()}.
   */
  public synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Starts the broker {@link #stop()} stopped again, on the same ports and with the same data. */
  public synchronized void restart() {
    if (server == null) {
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
