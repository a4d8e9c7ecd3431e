package dev.ferry.processor.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.TopologyFixtureAccess;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.PendingTransaction;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class HeldTransactionsTest {
  private static PendingTransaction tx(final String id, final long firstSeenMs) {
    return new PendingTransaction(id, new ArrayList<>(), 0, -1L, 0, firstSeenMs);
  }

  private static ChangeEvent order(final int id, final String txId) {
    return TopologyFixtureAccess.order(ChangeOp.CREATE, id, 500L + id, txId, (long) id);
  }

  @Test
  void aTransactionStartedHereGivesItsEventsInStoreOrderOnceEach() {
    final HeldTransactions held = new HeldTransactions();
    held.started(tx("771", 1_000L));
    final ChangeEvent second = order(2, "771");
    final ChangeEvent first = order(1, "771");
    held.added("771", "771/0000000000000000002", second);
    held.added("771", "771/0000000000000000001", first);
    held.added("771", "771/0000000000000000002", second);
    assertThat(held.eventsOf("771")).containsExactly(
        java.util.Map.entry("771/0000000000000000001", first), java.util.Map.entry("771/0000000000000000002", second));
    held.released("771");
    assertThat(held.eventsOf("771")).isNull();
    assertThat(held.get("771")).isNull();
    assertThat(held.firstSeen(since -> true)).isEmpty();
  }

  @Test
  void aTransactionHeldBeforeAStartOrTooLargeIsReadBackByScanning() {
    final HeldTransactions held = new HeldTransactions();
    held.restored(tx("700", 500L));
    held.added("700", "700/0000000000000000001", order(1, "700"));
    assertThat(held.eventsOf("700")).as("held before this start: its keys are not known here").isNull();
    assertThat(held.get("700").getFirstSeenMs()).isEqualTo(500L);
    held.started(tx("800", 900L));
    final ChangeEvent e = order(1, "800");
    for (int i = 0; i <= HeldTransactions.MAX_KEYS; i++) {
      held.added("800", "800/" + i, e);
    }
    assertThat(held.eventsOf("800")).as("past the bound: no key list").isNull();
    assertThat(held.firstSeen(since -> since < 600L)).extracting(PendingTransaction::getTxId).containsExactly("700");
  }

  @Test
  void pastTheBoundOfEventsInMemoryOnlyKeysAreKeptUntilReleasesMakeRoomAgain() {
    final HeldTransactions held = new HeldTransactions();
    final ChangeEvent e = order(1, "1");
    held.started(tx("1", 0L));
    for (int i = 0; i < HeldTransactions.MAX_EVENTS; i++) {
      held.added("1", "1/" + i, e);
    }
    held.started(tx("2", 0L));
    held.added("2", "2/0", e);
    assertThat(held.eventsOf("2")).as("over the bound: the key, to read from the store").containsOnlyKeys("2/0");
    assertThat(held.eventsOf("2").get("2/0")).isNull();
    held.released("1");
    held.added("2", "2/1", e);
    assertThat(held.eventsOf("2").get("2/1")).as("room again after a release").isSameAs(e);
  }
}
