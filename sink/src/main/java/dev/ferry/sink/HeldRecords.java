package dev.ferry.sink;

import dev.ferry.schemas.LiveDirection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What waits on the apply topic of a sink that holds (its direction of the sync is not live), looked at every
 * {@link #LOOK_EVERY} and warned about. Records arrive there while the sink holds only when its direction's source is
 * written: after a cutover, the legacy application (or a job) still writing the legacy database; before it, the new
 * system's application writing its own. Nothing is lost (the records wait on the topic, and are applied once the
 * direction is live again, within the topic's retention), but the two databases drift apart meanwhile, and an
 * operator who believes the writer stopped would not know.
 */
final class HeldRecords {
  private static final Logger LOG = LoggerFactory.getLogger(HeldRecords.class);
  static final Duration LOOK_EVERY = Duration.ofSeconds(10);
  private static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private final String sink;
  private final String topic;
  private final LiveDirection.Direction mine;
  private volatile long waiting;
  private long lookedAt;
  private long warnedAt;

  HeldRecords(final String sink, final String topic, final LiveDirection.Direction mine) {
    this.sink = sink;
    this.topic = topic;
    this.mine = mine;
    this.lookedAt = System.nanoTime() - LOOK_EVERY.toNanos();
    this.warnedAt = System.nanoTime() - WARN_EVERY.toNanos();
  }

  /** While holding: looks again once {@link #LOOK_EVERY} has passed, and warns (once a minute) while some wait. */
  void look(final ApplyConsumer consumer, final LiveDirection.State live) {
    if (System.nanoTime() - lookedAt < LOOK_EVERY.toNanos()) {
      return;
    }
    lookedAt = System.nanoTime();
    final long behind = consumer.behindEnds();
    waiting = Math.max(0, behind);
    if (waiting > 0 && System.nanoTime() - warnedAt >= WARN_EVERY.toNanos()) {
      warnedAt = System.nanoTime();
      LOG.warn("sink {} holds ({} is live, epoch {}), and about {} records wait on {}: changes to the {} direction's "
          + "source made while it is not live (is an application still writing it?). They are applied only once "
          + "this direction is live again; meanwhile the two databases differ", sink, live.direction().id(),
          live.epoch(), waiting, topic, mine.id());
    }
  }

  /** Records waiting as of the last look while holding; 0 once the sink applies. */
  long waiting() {
    return waiting;
  }

  /** The sink applies again: nothing is held. */
  void applying() {
    waiting = 0;
  }
}
