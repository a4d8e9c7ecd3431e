package dev.ferry.processor.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.PendingTransaction;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class HeldTransactionsTest {
  private static PendingTransaction tx(final String id, final long firstSeenMs) {
    return new PendingTransaction(id, new ArrayList<>(), 0, -1L, 0, firstSeenMs);
  }

  @Test
  void aTransactionStartedHereGivesItsKeysInStoreOrderOnceEach() {
    final HeldTransactions held = new HeldTransactions();
    held.started(tx("771", 1_000L));
    held.added("771", "771/0000000000000000002");
    held.added("771", "771/0000000000000000001");
    held.added("771", "771/0000000000000000002");
    assertThat(held.keysOf("771")).containsExactly("771/0000000000000000001", "771/0000000000000000002");
    held.released("771");
    assertThat(held.keysOf("771")).isNull();
    assertThat(held.get("771")).isNull();
    assertThat(held.firstSeen(since -> true)).isEmpty();
  }

  @Test
  void aTransactionHeldBeforeAStartOrTooLargeIsReadBackByScanning() {
    final HeldTransactions held = new HeldTransactions();
    held.restored(tx("700", 500L));
    held.added("700", "700/0000000000000000001");
    assertThat(held.keysOf("700")).as("held before this start: its keys are not known here").isNull();
    assertThat(held.get("700").getFirstSeenMs()).isEqualTo(500L);
    held.started(tx("800", 900L));
    for (int i = 0; i <= HeldTransactions.MAX_KEYS; i++) {
      held.added("800", "800/" + i);
    }
    assertThat(held.keysOf("800")).as("past the bound: no key list").isNull();
    assertThat(held.firstSeen(since -> since < 600L)).extracting(PendingTransaction::getTxId).containsExactly("700");
  }
}
