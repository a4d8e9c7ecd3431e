package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.connector.ServerGone;
import dev.ferry.schemas.KafkaReachability;
import dev.ferry.schemas.ServerUnreachable;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;

/**
 * How {@code ferry} ends a command that failed with an exception: a configuration refused before anything started
 * (exit 2), and a server the command needs that could not be reached ({@link ServerGone}: the legacy or target
 * database down, a wrong host or port; Kafka not answering at its address, {@link KafkaReachability}, or brokers
 * that never answered a client), said in two lines instead of a stack trace (exit 1: run it again once the server is
 * there; a supervisor that restarts the service does). Anything else goes on to picocli, stack trace and all.
 */
final class CommandFailure {
  private CommandFailure() {
  }

  /** The exit code for {@code e}, said on {@code err}; throws {@code e} when it is none of the above. */
  static int handle(final Exception e, final PrintWriter err) throws Exception {
    if (e instanceof ConfigException) {
      err.println(e.getMessage());
      err.println("Nothing was started.");
      return 2;
    }
    // a start-up check's message names the setting, the address and what happened: the reason itself
    final String database = e instanceof ServerUnreachable ? e.getMessage() : ServerGone.reason(e.getMessage(), e);
    final String gone = database != null ? database : kafkaSilent(e);
    if (gone != null) {
      LoggerFactory.getLogger(CommandFailure.class).debug("a server could not be reached", e);
      final String said = e.getMessage() != null ? e.getMessage() : e.toString();
      err.println(said);
      // the reason once: most messages already end with the driver's words
      final boolean repeated = said.contains(gone.replaceFirst(" \\(SQL state [^)]*\\)$", ""));
      err.println("A server this command needs could not be reached" + (repeated ? "" : " (" + gone + ")")
          + ": start it, or correct its address in the configuration, then run the command again.");
      err.flush();
      return 1;
    }
    throw e;
  }

  /**
   * Kafka's clients do not say "refused": a broker that never answers is a timeout waiting for a node (the admin
   * client's "Timed out waiting for a node assignment", a producer's "Timed out waiting for ... metadata"); null
   * for anything else.
   */
  private static String kafkaSilent(final Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
      if (t instanceof org.apache.kafka.common.errors.TimeoutException && t.getMessage() != null
          && (t.getMessage().contains("waiting for a node") || t.getMessage().contains("metadata"))) {
        return "Kafka: " + t.getMessage();
      }
    }
    return null;
  }
}
