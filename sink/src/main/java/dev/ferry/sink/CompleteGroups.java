package dev.ferry.sink;

import dev.ferry.schemas.DeadLetters;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.PackedApplyRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sink applies together: the records of one source transaction under one header are one group
 * ({@code group}, {@code groupSize}, {@code groupIndex}, consecutive on one partition), applied in one target
 * transaction. Polls end anywhere, so per partition this keeps the tail of a group still being read until the
 * rest arrives. Consumer thread only.
 */
final class CompleteGroups {
  private static final Logger LOG = LoggerFactory.getLogger(CompleteGroups.class);

  private final FerryTopics topics;
  private final SinkDeadLetters deadLetters;
  private final Backoff backoff;
  private final AtomicLong failed;
  private final int maxGroupRows;
  private final Map<TopicPartition, List<ApplyTopicRecord>> unfinished = new HashMap<>();

  CompleteGroups(final FerryTopics topics, final SinkDeadLetters deadLetters, final Backoff backoff,
      final AtomicLong failed, final int maxGroupRows) {
    this.topics = topics;
    this.deadLetters = deadLetters;
    this.backoff = backoff;
    this.failed = failed;
    this.maxGroupRows = maxGroupRows;
  }

  /** Records to apply, and the offset to store after them, or -1 when nothing of the partition is done. */
  record Taken(List<ApplyTopicRecord> records, long next) {
  }

  /** Records held as tails of groups still being read. */
  long waiting() {
    long n = 0;
    for (final List<ApplyTopicRecord> tail : unfinished.values()) {
      n += tail.size();
    }
    return n;
  }

  /** Drops the tails of {@code partitions} (revoked: the next owner reads them again from the stored offsets). */
  void forget(final Collection<TopicPartition> partitions) {
    partitions.forEach(unfinished::remove);
  }

  /**
   * Whether {@code r} closes what the sink must apply together. A record replayed from a dead letter (a second
   * try or later) comes alone, so it is a group of its own whatever group it was written in: waiting for the rest
   * of that group, long applied, would hold its partition forever. Unless it was dead-lettered with its whole group
   * ({@link WholeGroups}; the replay marks it): the whole group comes back, in order, and applies together.
   */
  static boolean endsGroup(final ApplyTopicRecord r) {
    return r.packed().endsGroup() || r.attempt() > 1 && !r.replayedWithGroup();
  }

  /**
   * Of a poll's {@code records} of partition {@code tp}: everything up to the end of the last complete group,
   * with the tail it held from earlier polls before them; the tail of a group still being read waits for the
   * next poll. A group larger than {@code sink.max-group-rows} is taken in parts (with a warning) rather than
   * held without bound. Unreadable records are dead-lettered here.
   */
  Taken take(final TopicPartition tp, final List<ConsumerRecord<String, byte[]>> records) {
    final List<ApplyTopicRecord> list =
        new ArrayList<>(unfinished.getOrDefault(tp, List.of()));
    long deadLettered = -1;
    for (final ConsumerRecord<String, byte[]> r : records) {
      final PackedApplyRecord packed = readOrDeadLetter(r);
      if (packed == null) {
        deadLettered = r.offset();
      } else {
        list.add(new ApplyTopicRecord(tp.topic(), r.partition(), r.offset(), r.key(), packed,
            DeadLetters.attempt(r.headers()), DeadLetters.replayGroup(r.headers()) != null));
      }
    }
    int complete = list.size();
    while (complete > 0 && !endsGroup(list.get(complete - 1))) {
      complete--;
    }
    if (complete == 0 && list.size() >= maxGroupRows) {
      LOG.warn("group {} on {} exceeds sink.max-group-rows ({}); applying it in more than one transaction",
          list.get(0).value().getGroup(), tp, maxGroupRows);
      complete = list.size();
    }
    if (complete < list.size()) {
      unfinished.put(tp, new ArrayList<>(list.subList(complete, list.size())));
    } else {
      unfinished.remove(tp);
    }
    // past a dead-lettered record too when nothing of the partition waits before it: a batch of no rows
    // then still stores the offset after it, so that a restart does not send its dead letter again
    final long last = Math.max(complete > 0 ? list.get(complete - 1).offset() : -1,
        complete == list.size() ? deadLettered : -1);
    return new Taken(list.subList(0, complete), last >= 0 ? last + 1 : -1);
  }

  /**
   * The value of {@code r}, packed; null when it is not an apply record (no value, not the wire format,
   * bytes that do not decode), which then goes to the dead-letter topic with its bytes and the reason,
   * and the sink goes on. A schema registry that does not answer is not the record's fault: that error
   * stops the sink instead, and a restart reads the record again. A dead-lettered record's offset is
   * stored with its partition's next batch, one of no rows when nothing else came with it.
   * While the dead-letter topic does not take the dead letter, the sink waits and retries, as for an
   * unavailable target.
   */
  private PackedApplyRecord readOrDeadLetter(final ConsumerRecord<String, byte[]> r) {
    final String why;
    if (r.value() == null) {
      why = "it has no value (a Kafka tombstone; deletes travel as apply records with op DELETE)";
    } else {
      try {
        return PackedApplyRecord.read(topics, r.topic(), r.value());
      } catch (SerializationException e) {
        why = e.getCause() == null ? e.getMessage() : e.getMessage() + ": " + e.getCause().getMessage();
      }
    }
    long backoffMs = 100;
    while (true) {
      try {
        deadLetters.unreadable(r, why);
        failed.incrementAndGet();
        return null;
      } catch (SinkDeadLetters.DeadLetterTopicUnavailable e) {
        // as the writers do for the target: wait and try again, the record is not passed over meanwhile
        LOG.warn("dead-letter topic unavailable ({}); retrying in {} ms", e.getMessage(), backoffMs);
        backoffMs = backoff.waitBeforeRetry(backoffMs, "the dead-letter topic");
      }
    }
  }
}
