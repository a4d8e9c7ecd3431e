package dev.ferry.connector;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.schemas.KafkaClients;
import dev.ferry.schemas.TopicCreator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Asks the capture to read tables again while the stream goes on: Debezium's incremental snapshot, started by an
 * {@code execute-snapshot} signal on the capture's signal topic ({@link ConnectorConfig#signalTopic()}). The capture
 * takes the signal when it runs (at once, or at its next start), reads the tables in chunks by primary key between
 * watermarks, and sends each row as a snapshot row ({@code READ}).
 *
 * <p>What it repairs: every row is versioned at the chunk's position ({@code RowVersion}), above every change
 * streamed before it, so a target row that drifted (changed in the target, or missed while capture was down) takes
 * the legacy row's mapped values again, and a missing one is added. When it ends, the capture marks its end behind
 * its rows ({@link SnapshotEnds}), and once the sink has applied them it deletes the target rows whose legacy row is
 * gone.
 */
public final class Resnapshot {
  private Resnapshot() {
  }

  /**
   * Sends the signal for {@code tables} (qualified {@code schema.table}, each one the capture reads) and returns its
   * id.
   *
   * @throws ConfigException naming {@code --table}, the value and the captured tables, when a table is not captured,
   *     or naming {@code connector.snapshot-mode} when the capture takes no signals; nothing is sent
   */
  public static String request(final ConnectorConfig config, final List<String> tables, final PrintStream out) {
    final List<ConfigProblem> problems = new ArrayList<>();
    if (!config.takesResnapshots()) {
      problems.add(new ConfigProblem(ConnectorConfig.SNAPSHOT_MODE.key(), "no-data", null, "a capture that starts "
          + "without a snapshot takes no re-snapshot signals; set connector.snapshot-mode to initial or when-needed "
          + "(a capture with offsets does not snapshot again for it) and restart the connector"));
    }
    if (tables.isEmpty()) {
      problems.add(new ConfigProblem("--table", "", "command line", "name at least one table to read again; "
          + "captured: " + String.join(", ", config.tables())));
    }
    for (final String t : tables) {
      if (!config.tables().contains(t)) {
        problems.add(new ConfigProblem("--table", t, "command line", "not a captured table (legacy.tables); "
            + "expected one of " + String.join(", ", config.tables())));
      } else if (config.appendOnly().contains(t)) {
        problems.add(new ConfigProblem("--table", t, "command line", "an append-only table (legacy.append-only) "
            + "has no key to read it again by (Debezium reads a table again in chunks of its key); its rows reach "
            + "the target as they are inserted, and a TRUNCATE of it empties it there"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    TopicCreator.ensure(config.kafka(), List.of(config.signalTopic()), 1, Set.of(config.signalTopic()));
    final String id = "ferry-resnapshot-" + UUID.randomUUID();
    final Properties p = KafkaClients.properties(config.kafka());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
        new StringSerializer())) {
      producer.send(new ProducerRecord<>(config.signalTopic(), config.name(), signal(id, tables)))
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot send the re-snapshot signal to " + config.signalTopic() + " on "
          + config.kafka().bootstrapServers() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending the re-snapshot signal", e);
    }
    out.printf("asked capture %s to read %s again (signal %s on %s); it starts when the connector runs, and the "
        + "connector logs each chunk and the end%n", config.name(), String.join(", ", tables), id, config.signalTopic());
    return id;
  }

  /** The {@code execute-snapshot} signal Debezium reads: an incremental snapshot of {@code tables}. */
  static String signal(final String id, final List<String> tables) {
    final StringBuilder collections = new StringBuilder();
    for (final String t : tables) {
      if (!collections.isEmpty()) {
        collections.append(',');
      }
      collections.append('"').append(t.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return "{\"id\":\"" + id + "\",\"type\":\"execute-snapshot\",\"data\":{\"data-collections\":[" + collections
        + "],\"type\":\"incremental\"}}";
  }
}
