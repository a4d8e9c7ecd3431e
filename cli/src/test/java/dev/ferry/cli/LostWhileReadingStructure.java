package dev.ferry.cli;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * A fault for tests: the legacy connection lost while Debezium's initial snapshot reads the captured tables'
 * structure (its step 5, after it took its position and before it read any row), as a legacy database restarting
 * or an administrator's script ending sessions does. Debezium asks a converter about each column there; this one
 * fails that step {@link #ARMED} times with the SQLException (state 08006) a lost connection gives, which Debezium
 * retries by restarting. It converts nothing.
 */
public final class LostWhileReadingStructure implements CustomConverter<SchemaBuilder, RelationalColumn> {
  /** How many more times the snapshot's structure read fails. */
  static final AtomicInteger ARMED = new AtomicInteger();
  /** How many times it failed. */
  static final AtomicInteger FAILED = new AtomicInteger();

  @Override
  public void configure(final Properties props) {
    // nothing to configure
  }

  @Override
  public void converterFor(final RelationalColumn column, final ConverterRegistration<SchemaBuilder> registration) {
    final boolean inSnapshotStructure = Arrays.stream(Thread.currentThread().getStackTrace())
        .anyMatch(f -> f.getMethodName().equals("readTableStructure"));
    if (inSnapshotStructure && ARMED.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      FAILED.incrementAndGet();
      throw new IllegalStateException("reading the structure of " + column.dataCollection(),
          new SQLException("An I/O error occurred while sending to the backend (a test's fault)", "08006"));
    }
  }
}
