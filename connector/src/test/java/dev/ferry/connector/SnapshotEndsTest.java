package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.RowVersion;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/** Debezium's snapshot notifications, built as its sink channel builds them, followed to the end of a snapshot. */
class SnapshotEndsTest {
  private static final Schema NOTIFICATION = SchemaBuilder.struct().name("io.debezium.connector.common.Notification")
      .field("id", Schema.STRING_SCHEMA)
      .field("aggregate_type", Schema.STRING_SCHEMA)
      .field("type", Schema.STRING_SCHEMA)
      .field("additional_data", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build())
      .field("timestamp", Schema.INT64_SCHEMA)
      .build();

  private static Struct notification(final String aggregate, final String type, final Map<String, String> data) {
    return new Struct(NOTIFICATION).put("id", "n").put("aggregate_type", aggregate).put("type", type)
        .put("additional_data", data).put("timestamp", 0L);
  }

  @Test
  void aResnapshotEndsAtTheVersionOfTheStreamPositionItStartedAtOverTheTablesItScanned() {
    final SnapshotEnds ends = new SnapshotEnds();
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "STARTED",
        Map.of("data_collections", "public.orders,public.order_details")), 1000, -1)).isNull();
    // the capture moves on while the chunks are read: the start, not the end, bounds the sweep
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SUCCEEDED")), 1500, -1)).isNull();
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "legacy.public.order_details", "status", "EMPTY")), 1600, -1)).isNull();
    final SnapshotEnds.Ended ended = ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "COMPLETED",
        Map.of()), 1700, -1);

    assertThat(ended.tables()).containsExactly("public.orders", "public.order_details");
    assertThat(ended.version()).isEqualTo(RowVersion.incremental(1000));
    assertThat(ended.id()).startsWith("resnapshot-" + RowVersion.incremental(1000) + "-");
  }

  @Test
  void aTableWhoseScanFailedIsNotSweptAndAnAbortedSnapshotSweepsNothing() {
    final SnapshotEnds ends = new SnapshotEnds();
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "STARTED", Map.of()), 10, -1);
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SQL_EXCEPTION")), 10, -1);
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.customers", "status", "SUCCEEDED")), 10, -1);
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "COMPLETED", Map.of()), 20, -1)
        .tables()).containsExactly("public.customers");

    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "STARTED", Map.of()), 30, -1);
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SUCCEEDED")), 30, -1);
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "ABORTED", Map.of()), 30, -1);
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "COMPLETED", Map.of()), 40, -1)).isNull();
  }

  @Test
  void anInitialSnapshotEndsAtItsOwnRowsVersionAndACopyFollowsAgainAfterARefusedBatch() {
    final SnapshotEnds ends = new SnapshotEnds();
    ends.onNotification(notification(SnapshotEnds.INITIAL, "STARTED", Map.of()), 0, -1);
    ends.onNotification(notification(SnapshotEnds.INITIAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SUCCEEDED")), 500, 500);
    final SnapshotEnds before = ends.copy();
    final SnapshotEnds.Ended ended = ends.onNotification(notification(SnapshotEnds.INITIAL, "COMPLETED", Map.of()),
        900, 500);
    assertThat(ended.tables()).isEqualTo(List.of("public.orders"));
    assertThat(ended.version()).isEqualTo(RowVersion.snapshot(500));
    assertThat(ends.onNotification(notification(SnapshotEnds.INITIAL, "COMPLETED", Map.of()), 900, 500)).isNull();
    // the batch that carried the end was refused by Kafka: followed again from the copy, it ends the same way
    assertThat(before.onNotification(notification(SnapshotEnds.INITIAL, "COMPLETED", Map.of()), 900, 500))
        .isEqualTo(ended);
  }

  @Test
  void theInitialSnapshotPhaseIsSettledOnlyOnceDebeziumSaidHowItEnded() {
    final SnapshotEnds running = new SnapshotEnds();
    running.onNotification(notification(SnapshotEnds.INITIAL, "STARTED", Map.of()), 0, -1);
    running.onNotification(notification(SnapshotEnds.INITIAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SUCCEEDED")), 500, 500);
    // an incremental snapshot's end says nothing of the initial one
    running.onNotification(notification(SnapshotEnds.INCREMENTAL, "COMPLETED", Map.of()), 600, 500);
    assertThat(running.initialSettled()).isFalse();
    final SnapshotEnds copy = running.copy();
    running.onNotification(notification(SnapshotEnds.INITIAL, "COMPLETED", Map.of()), 900, 500);
    assertThat(running.initialSettled()).isTrue();
    assertThat(copy.initialSettled()).isFalse();

    final SnapshotEnds restarted = new SnapshotEnds();
    restarted.onNotification(notification(SnapshotEnds.INITIAL, "SKIPPED", Map.of()), 900, -1);
    assertThat(restarted.initialSettled()).isTrue();
    assertThat(restarted.copy().initialSettled()).isTrue();

    final SnapshotEnds aborted = new SnapshotEnds();
    aborted.onNotification(notification(SnapshotEnds.INITIAL, "ABORTED", Map.of()), 900, -1);
    assertThat(aborted.initialSettled()).isTrue();
  }

  @Test
  void aResnapshotResumedAfterARestartSweepsNothingForItsStartIsNotKnown() {
    final SnapshotEnds ends = new SnapshotEnds();
    ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "TABLE_SCAN_COMPLETED",
        Map.of("scanned_collection", "public.orders", "status", "SUCCEEDED")), 900, -1);
    assertThat(ends.onNotification(notification(SnapshotEnds.INCREMENTAL, "COMPLETED", Map.of()), 900, -1)).isNull();
  }

  @Test
  void anIdNamesTheTableOfADebeziumDataCollection() {
    assertThat(SnapshotEnds.table("public.orders")).isEqualTo("public.orders");
    assertThat(SnapshotEnds.table("legacy.public.orders")).isEqualTo("public.orders");
    assertThat(SnapshotEnds.table("")).isNull();
  }

  @Test
  void theInitialSnapshotsStartAndAbortNeverBecomeTheCapturesPosition() {
    assertThat(SnapshotEnds.positionMayBeStored(notification(SnapshotEnds.INITIAL, "STARTED", Map.of()))).isFalse();
    assertThat(SnapshotEnds.positionMayBeStored(notification(SnapshotEnds.INITIAL, "ABORTED", Map.of()))).isFalse();
    // the end of a snapshot, a skipped one and a table's scan carry positions Debezium resumes from
    for (final String type : List.of("COMPLETED", "SKIPPED", "IN_PROGRESS", "TABLE_SCAN_COMPLETED")) {
      assertThat(SnapshotEnds.positionMayBeStored(notification(SnapshotEnds.INITIAL, type, Map.of()))).as(type)
          .isTrue();
    }
    // a re-snapshot's notifications carry its window, which a restart resumes from
    for (final String type : List.of("STARTED", "ABORTED", "COMPLETED")) {
      assertThat(SnapshotEnds.positionMayBeStored(notification(SnapshotEnds.INCREMENTAL, type, Map.of()))).as(type)
          .isTrue();
    }
  }
}
