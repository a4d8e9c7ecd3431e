package dev.ferry.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionHoldersTest {
  private static final TopicPartition P0 = new TopicPartition("apply", 0);
  private static final TopicPartition P1 = new TopicPartition("apply", 1);
  private static final TopicPartition P2 = new TopicPartition("apply", 2);

  @Test
  void aFreePartitionGoesToTheLeastLoadedWriterAndTiesToTheFirst() {
    final PartitionHolders h = new PartitionHolders(2);
    assertEquals(0, h.writerFor(P0, w -> true, w -> 0));
    h.submitted(0, Set.of(P0), 500);
    assertEquals(1, h.writerFor(P1, w -> true, w -> 0));
    // records already routed from the same poll count as load
    assertEquals(0, h.writerFor(P1, w -> true, w -> w == 1 ? 600 : 0));
  }

  @Test
  void aHeldPartitionStaysWithItsWriterUntilItsLastBatchFinishes() {
    final PartitionHolders h = new PartitionHolders(2);
    h.submitted(1, Set.of(P0, P1), 100);
    h.submitted(1, Set.of(P0), 10_000);
    // held by writer 1, though writer 0 is idle and writer 1 takes nothing now: order comes first
    assertEquals(1, h.writerFor(P0, w -> w == 0, w -> 0));
    h.finished(1, Set.of(P0, P1), 100);
    assertEquals(1, h.writerFor(P0, w -> true, w -> 0));
    assertEquals(0, h.writerFor(P1, w -> true, w -> 0));
    assertEquals(Set.of(P0), h.heldBy(1));
    h.finished(1, Set.of(P0), 10_000);
    assertEquals(0, h.writerFor(P0, w -> true, w -> 0));
    assertTrue(h.heldBy(1).isEmpty());
    assertEquals(0, h.load(1));
  }

  @Test
  void writersThatTakeNoBatchNowAreSkippedWhileAnotherDoes() {
    final PartitionHolders h = new PartitionHolders(3);
    h.submitted(1, Set.of(P1), 9_000);
    assertEquals(1, h.writerFor(P2, w -> w == 1, w -> 0));
    // none takes a batch: the least loaded anyway (the caller waits for it)
    assertEquals(0, h.writerFor(P2, w -> false, w -> 0));
  }

  @Test
  void aPartitionIsNeverGivenToASecondWriterWhileHeld() {
    final PartitionHolders h = new PartitionHolders(2);
    h.submitted(0, Set.of(P0), 1);
    assertThrows(IllegalStateException.class, () -> h.submitted(1, Set.of(P0), 1));
  }

  /**
   * Three equal partitions, two writers each writing one batch per step with one more queued, one poll
   * per step bringing one partition's batch in turn: fixed shares would give writer 0 two thirds.
   */
  @Test
  void threePartitionsShareTwoWritersEvenly() {
    final PartitionHolders h = new PartitionHolders(2);
    final List<ArrayDeque<TopicPartition>> queues = List.of(new ArrayDeque<>(), new ArrayDeque<>());
    final long[] applied = new long[2];
    final List<TopicPartition> order = new ArrayList<>(List.of(P0, P1, P2));
    final int batch = 1_000;
    for (int step = 0; step < 300; step++) {
      final TopicPartition tp = order.get(step % 3);
      final int w = h.writerFor(tp, x -> queues.get(x).size() < 2, x -> 0);
      if (queues.get(w).size() < 2) {
        queues.get(w).add(tp);
        h.submitted(w, Set.of(tp), batch);
      }
      // every other step each writer finishes its oldest batch: the writers are the bottleneck
      if (step % 2 == 1) {
        for (int x = 0; x < 2; x++) {
          final TopicPartition done = queues.get(x).poll();
          if (done != null) {
            h.finished(x, Set.of(done), batch);
            applied[x] += batch;
          }
        }
      }
    }
    final double share = (double) applied[0] / (applied[0] + applied[1]);
    assertTrue(share > 0.45 && share < 0.55, "writer 0 applied " + applied[0] + ", writer 1 " + applied[1]);
  }
}
