package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@code ferry} command's logging configuration as shipped ({@code logback.xml}), loaded into a context of its
 * own: a library's line that Ferry says itself right after is dropped, nothing else of that logger is.
 */
class ShippedLoggingTest {
  @Test
  void debeziumsEngineFailureLineIsLeftToFerrysOwn() throws Exception {
    final LoggerContext context = new LoggerContext();
    final JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(Path.of("src/main/resources/logback.xml").toFile());
    final ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(context);
    seen.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(seen);

    final org.slf4j.Logger engine = context.getLogger("io.debezium.embedded.async.AsyncEmbeddedEngine");
    engine.error("Engine has failed with ", new IllegalStateException("Connection to localhost:5432 refused"));
    engine.error("Failed to close the engine: ", new IllegalStateException("other"));
    context.getLogger("dev.ferry.connector.CaptureEngine").warn("capture x: Debezium stopped because legacy server "
        + "went away while it started");

    assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "Failed to close the engine: ", "capture x: Debezium stopped because legacy server went away while it started");
    context.stop();
  }
}
