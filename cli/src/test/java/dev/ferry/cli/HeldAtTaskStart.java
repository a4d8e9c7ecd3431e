package dev.ferry.cli;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * A hook for tests: holds Debezium's task start (where it configures its converters) until {@link #RELEASE} opens,
 * at most 30 s, after opening {@link #STARTING}, so that a test can stop a capture while Debezium starts its tasks.
 * It converts nothing.
 */
public final class HeldAtTaskStart implements CustomConverter<SchemaBuilder, RelationalColumn> {
  static volatile CountDownLatch STARTING = new CountDownLatch(1);
  static volatile CountDownLatch RELEASE = new CountDownLatch(1);

  @Override
  public void configure(final Properties props) {
    STARTING.countDown();
    try {
      RELEASE.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void converterFor(final RelationalColumn column, final ConverterRegistration<SchemaBuilder> registration) {
    // converts nothing
  }
}
