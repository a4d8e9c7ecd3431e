package dev.ferry.cli;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The highest heap use of this JVM, as the service reports it when it stops. Heap use peaks just before
 * a collection, so the peak is the largest total of the heap pools' use before any collection (and
 * the use now). Summing each pool's own peak would overstate it: the young and old generations peak
 * at different moments.
 */
final class HeapPeak {
  private static final AtomicLong PEAK = new AtomicLong();
  private static volatile boolean installed;

  private HeapPeak() {
  }

  /** Starts watching collections; call once, early. */
  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    final Set<String> heapPools = new HashSet<>();
    ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .forEach(p -> heapPools.add(p.getName()));
    for (final var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener((n, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            final Map<String, MemoryUsage> before = GarbageCollectionNotificationInfo
                .from((CompositeData) n.getUserData()).getGcInfo().getMemoryUsageBeforeGc();
            long used = 0;
            for (final Map.Entry<String, MemoryUsage> e : before.entrySet()) {
              if (heapPools.contains(e.getKey())) {
                used += e.getValue().getUsed();
              }
            }
            PEAK.accumulateAndGet(used, Math::max);
          }
        }, null, null);
      }
    }
  }

  /** The peak heap use seen so far, in MB. */
  static long megabytes() {
    final long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return Math.max(PEAK.get(), now) / (1024 * 1024);
  }
}
