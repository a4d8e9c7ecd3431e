package dev.ferry.processor.mapping;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@link NaturalKeys} in a state store: {@code table|rule|v:<value> -> key} to find an owner, and
 * {@code table|rule|k:<key> -> value} to release what a row owned. Bounded by the live rows of the
 * tables that have unique rules.
 */
public final class StoredNaturalKeys implements NaturalKeys {
  private final KeyValueStore<String, String> store;

  public StoredNaturalKeys(final KeyValueStore<String, String> store) {
    this.store = store;
  }

  @Override
  public String owner(final String table, final String ruleId, final String value) {
    return store.get(table + "|" + ruleId + "|v:" + value);
  }

  @Override
  public void claim(final String table, final String ruleId, final String value, final String key) {
    final String reverse = table + "|" + ruleId + "|k:" + key;
    final String previous = store.get(reverse);
    if (previous != null && !previous.equals(value)) {
      store.delete(table + "|" + ruleId + "|v:" + previous);
    }
    store.put(table + "|" + ruleId + "|v:" + value, key);
    store.put(reverse, value);
  }

  @Override
  public void release(final String table, final String ruleId, final String key) {
    final String reverse = table + "|" + ruleId + "|k:" + key;
    final String previous = store.get(reverse);
    if (previous != null) {
      store.delete(table + "|" + ruleId + "|v:" + previous);
      store.delete(reverse);
    }
  }
}
