package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

class CommandFailureTest {
  private final StringWriter out = new StringWriter();
  private final PrintWriter err = new PrintWriter(out);

  @Test
  void aServerThatCannotBeReachedIsSaidInTwoLinesAndExitsOne() throws Exception {
    // what `ferry connector` met with its legacy server down (before: a stack trace)
    final Exception e = new IllegalStateException("cannot read the detail tables' replica identity, the foreign keys "
        + "and the publication from jdbc:postgresql://127.0.0.1:1/northwind: Connection to 127.0.0.1:1 refused.",
        new PSQLException("Connection to 127.0.0.1:1 refused.", PSQLState.CONNECTION_UNABLE_TO_CONNECT,
            new ConnectException("Connection refused")));
    assertThat(CommandFailure.handle(e, err)).isEqualTo(1);
    assertThat(out.toString().lines().toList()).containsExactly(
        "cannot read the detail tables' replica identity, the foreign keys and the publication from "
            + "jdbc:postgresql://127.0.0.1:1/northwind: Connection to 127.0.0.1:1 refused.",
        "A server this command needs could not be reached: start it, or correct its address in the configuration, "
            + "then run the command again.");
  }

  @Test
  void theReasonIsSaidWhereTheMessageLacksIt() throws Exception {
    final Exception e = new IllegalStateException("cannot start the sink", new java.net.UnknownHostException(
        "target.example"));
    assertThat(CommandFailure.handle(e, err)).isEqualTo(1);
    assertThat(out.toString()).contains("could not be reached (java.net.UnknownHostException: target.example): start "
        + "it");
  }

  @Test
  void kafkaThatNeverAnswersIsAServerThatCouldNotBeReached() throws Exception {
    // what the connector met with nothing listening at kafka.bootstrap-servers
    final Exception e = new IllegalStateException("cannot create topics [shop.cdc.public.orders] on 127.0.0.1:9: "
        + "Timed out waiting for a node assignment. Call: listTopics", new java.util.concurrent.ExecutionException(
        new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment. Call: "
            + "listTopics")));
    assertThat(CommandFailure.handle(e, err)).isEqualTo(1);
    assertThat(out.toString().lines().toList()).containsExactly(e.getMessage(), "A server this command needs could "
        + "not be reached (Kafka: Timed out waiting for a node assignment. Call: listTopics): start it, or correct its "
        + "address in the configuration, then run the command again.");
  }

  @Test
  void aRefusedConfigurationExitsTwo() throws Exception {
    final ConfigException e = new ConfigException(List.of(new ConfigProblem("legacy.port", "x", "f.yaml",
        "not a number")));
    assertThat(CommandFailure.handle(e, err)).isEqualTo(2);
    assertThat(out.toString()).isEqualTo(e.getMessage() + System.lineSeparator() + "Nothing was started."
        + System.lineSeparator());
  }

  @Test
  void anythingElseGoesOnWithItsStackTrace() {
    final Exception e = new IllegalStateException("a bug");
    assertThatThrownBy(() -> CommandFailure.handle(e, err)).isSameAs(e);
    assertThat(out.toString()).isEmpty();
  }
}
