package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumePositionsTest {

  @Test
  void aStreamedPositionIsStoredWithoutTheLastProcessedLogPosition() {
    final Map<String, Object> offset = new HashMap<>(Map.of("lsn", 27_704_320L, "lsn_proc", 27_704_320L,
        "lsn_commit", 27_704_320L, "txId", 812L, "ts_usec", 1_764_000_000_000_000L, "messageType", "COMMIT"));
    assertThat(ResumePositions.toStore(offset)).isEqualTo(Map.of("lsn", 27_704_320L, "lsn_commit", 27_704_320L,
        "txId", 812L, "ts_usec", 1_764_000_000_000_000L, "messageType", "COMMIT"));
    assertThat(offset).as("the record's own position, untouched").containsKey("lsn_proc");
  }

  @Test
  void aPositionWithoutACommitLosesItsLastProcessedLogPositionToo() {
    // Debezium takes lsn_proc for the last commit where none is stored, and searches the stream with both
    assertThat(ResumePositions.toStore(Map.of("lsn", 100L, "lsn_proc", 100L, "ts_usec", 5L)))
        .isEqualTo(Map.of("lsn", 100L, "ts_usec", 5L));
  }

  /** A restarted Debezium would go on counting the transaction's events from these: the transaction comes again whole. */
  @Test
  void aPositionInsideATransactionIsStoredWithoutThatTransaction() {
    final Map<String, Object> offset = new HashMap<>(Map.of("lsn", 100L, "lsn_commit", 90L, "txId", 7L,
        "transaction_id", "7", "transaction_data_collection_order_public.history", 3L,
        "transaction_data_collection_order_public.orders", 1L));
    assertThat(ResumePositions.toStore(offset)).isEqualTo(Map.of("lsn", 100L, "lsn_commit", 90L, "txId", 7L));
    assertThat(ResumePositions.toStore(Map.of("lsn", 100L, "transaction_data_collection_order_public.x", 1L)))
        .isEqualTo(Map.of("lsn", 100L));
  }

  @Test
  void aPositionWithoutItIsStoredAsDebeziumMadeIt() {
    assertThat(ResumePositions.toStore(new HashMap<>(Map.of("lsn", 100L, "lsn_commit", 90L)))).isNull();
    assertThat(ResumePositions.toStore(null)).isNull();
  }
}
