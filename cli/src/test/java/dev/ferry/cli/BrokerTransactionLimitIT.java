package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor as shipped ({@code ferry processor -c FILE}) against a broker whose {@code transaction.max.timeout.ms}
 * is below the Kafka transaction timeout the configuration asks for (the embedded broker keeps Kafka's 15 minutes;
 * the configuration asks for more): it reads the broker's limit and refuses to start, naming the setting, its value
 * and the limit, with exit code 2, before it creates a topic. Before, Kafka Streams' producers failed inside the
 * running service with Kafka's {@code InvalidTxnTimeoutException}, which names neither.
 */
class BrokerTransactionLimitIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aTransactionTimeoutAboveTheBrokersLimitStopsTheProcessorBeforeItStartsNamingTheSetting() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_txlimit");
    final Path file = ServiceProcess.writeConfig(env, work.resolve("processor.yaml"), Set.of());
    Files.writeString(file, "kafka.client.producer.transaction.timeout.ms: \"1000000\"\n", StandardOpenOption.APPEND);
    final Path log = work.resolve("processor.log");
    final Process processor = ServiceProcess.start("processor", file, Map.of(), log);
    try {
      assertThat(processor.waitFor(90, TimeUnit.SECONDS)).as("the processor stops by itself").isTrue();
      assertThat(processor.exitValue()).as("a configuration error's exit code").isEqualTo(2);
      assertThat(Files.readString(log)).contains("kafka.client.producer.transaction.timeout.ms = '1000000': more "
          + "than the broker allows (its transaction.max.timeout.ms is 900000): set at most 900000, or raise the "
          + "broker's transaction.max.timeout.ms").contains("Nothing was started.");
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafka().bootstrapServers()))) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .as("no topic of this pipeline created").noneMatch(t -> t.startsWith("it_txlimit"));
      }
    } finally {
      processor.destroyForcibly();
    }
  }
}
