package dev.ferry.processor.ordering;

/**
 * Keys of the ordering stores that sort by a number within a prefix: {@code prefix/0000000000000000042}, the number
 * zero-padded to 19 digits so that RocksDB's byte order is the numbers' order.
 */
final class StoreKeys {
  private StoreKeys() {
  }

  /** {@code prefix}, a slash, and {@code number} (not negative) padded to 19 digits. */
  static String numbered(final String prefix, final long number) {
    final String digits = Long.toString(number);
    // padded by hand: String.format was a twentieth of the stream thread's time when every event's key used it
    final StringBuilder key = new StringBuilder(prefix.length() + 20).append(prefix).append('/');
    for (int pad = 19 - digits.length(); pad > 0; pad--) {
      key.append('0');
    }
    return key.append(digits).toString();
  }

  /** The prefix of a key made by {@link #numbered}. */
  static String prefix(final String key) {
    return key.substring(0, key.lastIndexOf('/'));
  }

  /** The number of a key made by {@link #numbered}. */
  static long number(final String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }
}
