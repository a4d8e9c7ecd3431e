package dev.ferry.bench;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark's change events: Northwind-shaped order lines (order, product, price, quantity,
 * discount), a quarter as many keys as events so that most keys are written several times, and one
 * change in twenty a delete. Deterministic for a seed. Keeps the final state both sinks must reach.
 */
final class Workload {
  /** One change. */
  record Change(long version, int orderId, int productId, boolean delete, BigDecimal unitPrice, int quantity,
      BigDecimal discount) {
  }

  private final Random random;
  private final int keys;
  private final int events;
  private final Map<Integer, Integer> quantityByKey = new HashMap<>();
  private long version;

  Workload(final long seed, final int events) {
    this.random = new Random(seed);
    this.keys = Math.max(4, events / 4);
    this.events = events;
  }

  Change next() {
    final int k = random.nextInt(keys);
    final boolean exists = quantityByKey.containsKey(k);
    final boolean delete = exists && random.nextInt(20) == 0;
    final int quantity = 1 + random.nextInt(100);
    if (delete) {
      quantityByKey.remove(k);
    } else {
      quantityByKey.put(k, quantity);
    }
    return new Change(++version, 10_000 + k / 4, 1 + k % 4, delete,
        BigDecimal.valueOf(100 + random.nextInt(10_000), 2), quantity, BigDecimal.valueOf(random.nextInt(5) * 5, 2));
  }

  /** How many changes the benchmark produces. */
  int events() {
    return events;
  }

  /** Rows the target must hold at the end. */
  long expectedRows() {
    return quantityByKey.size();
  }

  /** Sum of their quantities at the end. */
  long expectedQuantity() {
    return quantityByKey.values().stream().mapToLong(Integer::longValue).sum();
  }
}
