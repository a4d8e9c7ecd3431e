package dev.ferry.processor.ordering;

/**
 * Names of the processor's state stores; each is RocksDB-backed, changelogged (but {@link #TX_RELEASE}), and bounded
 * (see each user).
 */
public final class ProcessorStores {
  /**
   * Recently released source transactions, and changes outside a transaction, for dropping redeliveries; a window
   * store, bounded by its retention.
   */
  public static final String DEDUP = "ferry-dedup";
  /** Events of source transactions still being collected; bounded by the transaction timeout. */
  public static final String TX_EVENTS = "ferry-tx-events";
  /**
   * Scratch space of a transaction too large to release from memory ({@link LargeRelease}); not changelogged,
   * emptied by each such release.
   */
  public static final String TX_RELEASE = "ferry-tx-release";
  /** Progress of the transactions being collected. */
  public static final String TX_STATE = "ferry-tx-state";
  /** Header keys that exist (seen, not deleted); as large as the live header rows. */
  public static final String HEADERS = "ferry-headers";
  /** Detail groups waiting for their header; bounded by the orphan timeout and the orphan buffer maximum. */
  public static final String ORPHANS = "ferry-orphans";
  /** Owners of natural-key values, for unique rules; as large as the live rows of tables with such rules. */
  public static final String NATURAL_KEYS = "ferry-natural-keys";

  private ProcessorStores() {
  }
}
