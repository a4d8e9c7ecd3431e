package dev.ferry.cli.demo;

import dev.ferry.ops.logging.Logging;
import java.util.Map;

/**
 * The demo's and the sandbox's terminal, kept for what a newcomer should read: the embedded broker's own logs, the
 * clients' retries of what the broker answers while it starts or a producer's first transaction (KAFKA-18202's
 * retriable OUT_OF_ORDER_SEQUENCE_NUMBER), Debezium's note that it creates its slot, are expected and not failures.
 * A production service keeps the levels of the command's {@code logback.xml}.
 */
public final class QuietTerminal {
  private static final Map<String, String> LEVELS = Map.of(
      "kafka", "off",
      "org.apache.kafka.clients.producer.internals.Sender", "error",
      "org.apache.kafka.clients.NetworkClient", "error",
      "org.apache.kafka.streams.processor.internals.StateDirectory", "error",
      "io.debezium.connector.postgresql.PostgresConnectorTask", "error");

  private QuietTerminal() {
  }

  /** Turns the expected noise down. */
  public static void apply() {
    Logging.levels(LEVELS);
  }
}
