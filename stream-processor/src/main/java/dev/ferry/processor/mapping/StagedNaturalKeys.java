package dev.ferry.processor.mapping;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link NaturalKeys} for one group of changes: claims and releases are seen by the group's later rows at once,
 * and reach the store only on {@link #commit()}, when the group is applied. A group refused whole (one of its
 * rows failed) leaves the store as it was, so its rows' natural keys are not held by rows the target never got.
 */
public final class StagedNaturalKeys implements NaturalKeys {
  private final NaturalKeys store;
  private final List<Runnable> staged = new ArrayList<>();
  /** table|rule|value to the owner the group gave it (null: released). */
  private final Map<String, String> owners = new HashMap<>();
  /** table|rule|key of rows the group released. */
  private final Set<String> released = new HashSet<>();

  public StagedNaturalKeys(final NaturalKeys store) {
    this.store = store;
  }

  @Override
  public String owner(final String table, final String ruleId, final String value) {
    final String id = table + "|" + ruleId + "|" + value;
    if (owners.containsKey(id)) {
      return owners.get(id);
    }
    final String owner = store.owner(table, ruleId, value);
    return owner != null && released.contains(table + "|" + ruleId + "|" + owner) ? null : owner;
  }

  @Override
  public void claim(final String table, final String ruleId, final String value, final String key) {
    // the row owns only its new value now: whatever it owned before under this rule is free
    forget(table, ruleId, key);
    owners.put(table + "|" + ruleId + "|" + value, key);
    staged.add(() -> store.claim(table, ruleId, value, key));
  }

  @Override
  public void release(final String table, final String ruleId, final String key) {
    forget(table, ruleId, key);
    staged.add(() -> store.release(table, ruleId, key));
  }

  private void forget(final String table, final String ruleId, final String key) {
    final String prefix = table + "|" + ruleId + "|";
    owners.replaceAll((id, owner) -> id.startsWith(prefix) && key.equals(owner) ? null : owner);
    released.add(prefix + key);
  }

  /** Writes what the group claimed and released to the store, in order. */
  public void commit() {
    staged.forEach(Runnable::run);
    staged.clear();
  }
}
