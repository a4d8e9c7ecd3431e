package dev.ferry.cutover;

import dev.ferry.connector.ConnectorConfig;
import dev.ferry.processor.ProcessorConfig;
import dev.ferry.schemas.LiveDirection.Direction;
import dev.ferry.sink.SinkConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One direction of the sync as the cutover sees it: the database it captures, its processor, the database its sink
 * writes, and how to check its mapping against both.
 *
 * @param mappingProblems what {@code ferry check} finds wrong with this direction's mapping against both databases
 */
public record Leg(Direction direction, ConnectorConfig capture, ProcessorConfig processor, SinkConfig sink,
    Callable<List<String>> mappingProblems) {

  /** A connection to the database this direction captures. */
  Connection captured() throws SQLException {
    return capture.connect();
  }

  /** A connection to the database this direction's sink writes. */
  Connection written() throws SQLException {
    return sink.connect("ferry-cutover");
  }

  /** Its CDC topics, which its processor reads. */
  List<String> cdcTopics() {
    return processor.mapping().sourceTables().stream().map(processor.kafka()::cdcTopic).toList();
  }

  /** {@code forward} or {@code reverse}. */
  String name() {
    return direction.id();
  }
}
