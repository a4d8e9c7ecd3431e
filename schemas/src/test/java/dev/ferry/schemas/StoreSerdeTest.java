package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreSerdeTest {
  private static TransactionMarker marker(final String tx, final int tables) {
    final Map<String, Long> counts = new java.util.TreeMap<>();
    for (int i = 0; i < tables; i++) {
      counts.put("public.t" + i, (long) i * 1_000_003L);
    }
    return TransactionMarker.newBuilder().setStatus(TransactionStatus.END).setTxId(tx).setCommitLsn(0x16B374D848L)
        .setEventCount(42L).setTableCounts(counts).setTsMs(1_733_000_000_000L).build();
  }

  @Test
  void valuesOfEverySizeComeBackAsTheyWereWithTheEncoderAndDecoderReused() {
    final StoreSerde<TransactionMarker> serde = new StoreSerde<>(TransactionMarker.getClassSchema());
    final TransactionMarker big = marker("771", 300);
    final TransactionMarker small = marker("772", 1);
    // one thread, one encoder and one decoder, reused: a large value, then a small one, then the large one again
    final byte[] first = serde.serializer().serialize("t", big);
    final byte[] second = serde.serializer().serialize("t", small);
    final byte[] third = serde.serializer().serialize("t", big);
    assertThat(third).isEqualTo(first);
    assertThat(second.length).isLessThan(first.length);
    assertThat(serde.deserializer().deserialize("t", first)).isEqualTo(big);
    assertThat(serde.deserializer().deserialize("t", second)).isEqualTo(small);
    assertThat(serde.deserializer().deserialize("t", third)).isEqualTo(big);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }
}
