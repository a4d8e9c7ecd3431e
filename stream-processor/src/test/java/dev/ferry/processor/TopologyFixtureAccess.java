package dev.ferry.processor;

import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.DeadLetter;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** Opens {@link TopologyFixture} to tests in other packages. */
public final class TopologyFixtureAccess implements AutoCloseable {
  private final TopologyFixture f;
  public final TopologyTestDriver driver;
  public final TestOutputTopic<String, ApplyRecord> apply;
  public final TestOutputTopic<String, DeadLetter> deadLetters;

  private TopologyFixtureAccess(final TopologyFixture f) {
    this.f = f;
    this.driver = f.driver;
    this.apply = f.apply;
    this.deadLetters = f.deadLetters;
  }

  public static TopologyFixtureAccess fixture() {
    return new TopologyFixtureAccess(new TopologyFixture());
  }

  public static TopologyFixtureAccess fixture(final Duration orphanTimeout, final int orphanMax) {
    return new TopologyFixtureAccess(new TopologyFixture(orphanTimeout, orphanMax));
  }

  public static TopologyFixtureAccess fixture(final Duration orphanTimeout, final int orphanMax,
      final Duration transactionTimeout) {
    return new TopologyFixtureAccess(new TopologyFixture(orphanTimeout, orphanMax, transactionTimeout));
  }

  /** A processor whose capture started without a snapshot: details under an unseen header pass at once. */
  public static TopologyFixtureAccess fixtureWithoutSnapshot(final Duration orphanTimeout) {
    return new TopologyFixtureAccess(new TopologyFixture(orphanTimeout, 100_000, Duration.ofMinutes(10), false));
  }

  public static ChangeEvent customer(final ChangeOp op, final String code, final long lsn, final String txId,
      final Long txOrder) {
    return TopologyFixture.customer(op, code, lsn, txId, txOrder);
  }

  public static ChangeEvent shipper(final ChangeOp op, final int id, final long lsn, final String txId,
      final Long txOrder) {
    return TopologyFixture.shipper(op, id, lsn, txId, txOrder);
  }

  public static ChangeEvent order(final ChangeOp op, final int id, final long lsn, final String txId,
      final Long txOrder) {
    return TopologyFixture.order(op, id, lsn, txId, txOrder);
  }

  public static ChangeEvent line(final ChangeOp op, final int orderId, final int productId, final Object quantity,
      final long lsn, final String txId, final Long txOrder) {
    return TopologyFixture.line(op, orderId, productId, quantity, lsn, txId, txOrder);
  }

  public void send(final ChangeEvent e) {
    f.send(e);
  }

  public void commit(final String table, final String txId, final long commitLsn, final int topics) {
    f.commit(table, txId, commitLsn, topics);
  }

  /** {@code e} as the connector writes it to its table's topic. */
  public byte[] encode(final ChangeEvent e) {
    final String table = e.getSource().getSchema$() + "." + e.getSource().getTable();
    return f.topics.changeSerde().encode(f.topics.cdc(table).name(), e);
  }

  /** The connector's progress mark in {@code table}'s topic, at the current source time. */
  public void progress(final String table) {
    f.progress(table);
  }

  /** How many entries {@code store} holds. */
  public static long entries(final org.apache.kafka.streams.state.KeyValueStore<String, ?> store) {
    long n = 0;
    try (org.apache.kafka.streams.state.KeyValueIterator<String, ?> it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  public void sourceTimePasses(final Duration d) {
    f.sourceTimePasses(d);
  }

  public List<String> applied() {
    return f.applied();
  }

  /** Everything on the apply topic so far. */
  public List<dev.ferry.schemas.ApplyRecord> appliedRecords() {
    return f.apply.readValuesToList();
  }

  @Override
  public void close() {
    f.close();
  }
}
