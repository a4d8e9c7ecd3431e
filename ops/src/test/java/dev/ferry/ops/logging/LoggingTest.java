package dev.ferry.ops.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

class LoggingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anEventIsOneJsonObjectOnOneLineWithItsFieldsKeyValuesAndStackTrace() throws Exception {
    final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    final JsonLines encoder = new JsonLines();
    encoder.setContext(context);
    encoder.setService("sink");
    encoder.start();
    final Logger logger = context.getLogger("dev.ferry.sink.TargetSink");
    final LoggingEvent event = new LoggingEvent("x", logger, ch.qos.logback.classic.Level.WARN,
        "dead letter: {} key {}: \"quoted\"\tand\nnewline \u0001", new IllegalStateException("boom\nsecond line"),
        new Object[] {"sales_order", "10248"});
    event.setKeyValuePairs(List.of(new KeyValuePair("table", "sales_order")));
    final String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line).endsWith("\n");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
    final JsonNode n = JSON.readTree(line);
    assertThat(n.get("level").asText()).isEqualTo("WARN");
    assertThat(n.get("logger").asText()).isEqualTo("dev.ferry.sink.TargetSink");
    assertThat(n.get("service").asText()).isEqualTo("sink");
    assertThat(n.get("message").asText()).isEqualTo("dead letter: sales_order key 10248: \"quoted\"\tand\nnewline "
        + "\u0001");
    assertThat(n.get("table").asText()).isEqualTo("sales_order");
    assertThat(n.get("error").asText()).contains("java.lang.IllegalStateException: boom\nsecond line")
        .contains("at dev.ferry.ops.logging.LoggingTest");
    assertThat(java.time.Instant.parse(n.get("time").asText())).isNotNull();
  }

  @Test
  void jsonFormatSendsEveryEventAndTheServicesAnnouncementsToStandardOutputAsJson() throws Exception {
    final PrintStream stdout = System.out;
    final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      final PrintStream announce = Logging.apply(new LogSettings(LogSettings.Format.JSON, LogSettings.Level.DEBUG),
          "processor");
      LoggerFactory.getLogger("dev.ferry.processor.GroupMapper").debug("mapped {} rows", 3);
      LoggerFactory.getLogger("org.apache.kafka.Whatever").info("below the library's level: not shown");
      LoggerFactory.getLogger("org.apache.kafka.Whatever").warn("a library's warning");
      announce.println("processor status page http://127.0.0.1:9401/");
      announce.printf("stopped; peak heap used %d MB%n", 300);
    } finally {
      System.setOut(stdout);
      context.reset();
      new ch.qos.logback.classic.util.ContextInitializer(context).autoConfig();
    }
    final List<JsonNode> lines = captured.toString(StandardCharsets.UTF_8).lines().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError("not a JSON line: " + l, e);
      }
    }).toList();
    assertThat(lines).extracting(n -> n.get("level").asText() + " " + n.get("service").asText() + " "
        + n.get("message").asText()).containsExactly(
            "DEBUG processor mapped 3 rows",
            "WARN processor a library's warning",
            "INFO processor processor status page http://127.0.0.1:9401/",
            "INFO processor stopped; peak heap used 300 MB");
  }
}
