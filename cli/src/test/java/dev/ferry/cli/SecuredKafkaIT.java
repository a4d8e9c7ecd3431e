package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedKafka;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka that wants a user and password (SASL/PLAIN on the embedded broker's second listener): the whole
 * pipeline syncs Northwind through it with the credentials given once, as {@code kafka.client.*}, to every client
 * Ferry builds (the capture's producer, Kafka Streams, the sink's consumer and dead-letter producer, the admin
 * client that creates topics). With a wrong password it stops at once, saying authentication failed.
 */
class SecuredKafkaIT {
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void thePipelineSyncsThroughAnAuthenticatedListenerAndAWrongPasswordIsRefused() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_sasl");
    final FerryConfig config = FerryConfig.resolve(sasl(env.source(), EmbeddedKafka.SASL_PASSWORD),
        EnumSet.allOf(Role.class), work.resolve("it_sasl"));
    assertThat(config.processor().kafka().clientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT");
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      assertThat(pipeline.sink().failed()).isZero();
    }

    final FerryConfig wrong = FerryConfig.resolve(sasl(env.source(), "not-the-password")
        .with("topics.prefix", "it_sasl_wrong", "test"), EnumSet.allOf(Role.class), work.resolve("it_sasl"));
    final Pipeline refused = new Pipeline(wrong);
    try {
      assertThatThrownBy(refused::start).hasStackTraceContaining("Authentication failed");
    } finally {
      refused.close();
    }
  }

  private ConfigSource sasl(final ConfigSource base, final String password) {
    return base.with("kafka.bootstrap-servers", stack.kafka().saslBootstrapServers(), "test")
        .with("kafka.client.security.protocol", "SASL_PLAINTEXT", "test")
        .with("kafka.client.sasl.mechanism", "PLAIN", "test")
        .with("kafka.client.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"" + EmbeddedKafka.SASL_USER + "\" password=\"" + password + "\";", "test");
  }
}
