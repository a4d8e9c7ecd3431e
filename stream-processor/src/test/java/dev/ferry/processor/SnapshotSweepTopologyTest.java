package dev.ferry.processor;

import static dev.ferry.processor.TopologyFixture.order;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ApplyRecord;
import dev.ferry.schemas.ChangeOp;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The end of a snapshot passes the processor behind the rows before it, as one apply record per target table, naming
 * every target table the snapshot covered; a table the mapping leaves out is not among them.
 */
class SnapshotSweepTopologyTest {
  private final TopologyFixture f = new TopologyFixture(Duration.ofMinutes(10), 100_000, Duration.ofMinutes(5));

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void theEndOfASnapshotFollowsItsRowsAsOneMarkerPerTargetTable() {
    f.send(order(ChangeOp.READ, 10248, 500, null, null));
    f.sweep("orders", "s1", List.of("public.orders", "public.order_details", "public.shippers"), 999, 1L);

    final List<KeyValue<String, ApplyRecord>> out = f.apply.readKeyValuesToList();
    assertThat(out).hasSize(2);
    assertThat(out.get(0).value.getOp()).isEqualTo(ApplyOp.UPSERT);
    final ApplyRecord marker = out.get(1).value;
    assertThat(marker.getOp()).isEqualTo(ApplyOp.SWEEP);
    assertThat(marker.getTable()).isEqualTo("sales_order");
    assertThat(marker.getVersion()).isEqualTo(999);
    assertThat(marker.getKey()).isEmpty();
    assertThat(marker.getSweep().getId()).isEqualTo("s1");
    assertThat(marker.getSweep().getTables()).containsExactly("sales_order", "sales_order_line");
    assertThat(f.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void aMarkerWrittenLongAfterTheChangesItFollowsDoesNotTearAHeldTransaction() {
    f.send(order(ChangeOp.CREATE, 10250, 700, "771", 1L));
    // the marker carries the time it was written: a day later than the source time of the open transaction
    f.sweep("orders", "s2", List.of("public.orders"), 999, f.sourceTimeMs() + Duration.ofDays(1).toMillis());
    f.driver.advanceWallClockTime(Duration.ofSeconds(30));

    assertThat(f.applied()).singleElement().asString().contains("SWEEP");
    f.commit("orders", "771", 800, 1);
    assertThat(f.applied()).singleElement().asString().startsWith("sales_order 10250 UPSERT v1600");
  }
}
