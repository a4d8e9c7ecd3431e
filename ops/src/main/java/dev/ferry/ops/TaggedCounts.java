package dev.ferry.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one meter whose tag values the work meets as it goes (a table, a rule): each new combination becomes a
 * Micrometer counter in every registry this is bound to, before or after it appears. The counts live here, so they
 * can be read without a registry (the run history, tests). Thread-safe; an increment of a known combination costs a
 * map lookup and a {@link LongAdder} add.
 */
public final class TaggedCounts implements MeterBinder {
  private final String name;
  private final String description;
  private final Tags common;
  private final List<String> tagKeys;
  private final Map<List<String>, LongAdder> counts = new ConcurrentHashMap<>();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /**
   * @param name the meter's name (Micrometer's dotted form; Prometheus adds {@code _total})
   * @param common tags every counter carries (the service's consumer group, its application id)
   * @param tagKeys the keys of the values {@link #add} is given, in that order
   */
  public TaggedCounts(final String name, final String description, final Tags common, final String... tagKeys) {
    this.name = name;
    this.description = description;
    this.common = common;
    this.tagKeys = List.of(tagKeys);
  }

  /** Adds {@code n} to the counter of {@code tagValues} (one per tag key; a null value counts as {@code ""}). */
  public void add(final long n, final String... tagValues) {
    if (tagValues.length != tagKeys.size()) {
      throw new IllegalArgumentException(name + " takes " + tagKeys + ", given " + Arrays.toString(tagValues));
    }
    final String[] values = tagValues.clone();
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        values[i] = "";
      }
    }
    final List<String> key = List.of(values);
    LongAdder counter = counts.get(key);
    if (counter == null) {
      counter = added(key);
    }
    counter.add(n);
  }

  /** A new combination, registered where this is bound; under the lock that binding takes, so never twice. */
  private synchronized LongAdder added(final List<String> key) {
    final LongAdder known = counts.get(key);
    if (known != null) {
      return known;
    }
    final LongAdder fresh = new LongAdder();
    counts.put(key, fresh);
    for (final MeterRegistry r : registries) {
      register(r, key, fresh);
    }
    return fresh;
  }

  /** The count of {@code tagValues}; 0 when never added to. */
  public long count(final String... tagValues) {
    final LongAdder c = counts.get(List.of(tagValues));
    return c == null ? 0 : c.sum();
  }

  /** Every combination seen and its count, in the order of the tag values. */
  public Map<List<String>, Long> snapshot() {
    final Map<List<String>, Long> out = new TreeMap<>((a, b) -> String.join("\u0000", a)
        .compareTo(String.join("\u0000", b)));
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** The sum over every combination. */
  public long total() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  @Override
  public synchronized void bindTo(final MeterRegistry registry) {
    if (registries.contains(registry)) {
      return;
    }
    registries.add(registry);
    counts.forEach((key, counter) -> register(registry, key, counter));
  }

  private void register(final MeterRegistry registry, final List<String> key, final LongAdder counter) {
    Tags tags = common;
    for (int i = 0; i < key.size(); i++) {
      tags = tags.and(tagKeys.get(i), key.get(i));
    }
    FunctionCounter.builder(name, counter, LongAdder::sum).tags(tags).description(description).register(registry);
  }
}
