package dev.ferry.cutover;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.FerryTopics;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.TopicToEnd;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Whether the draining side's source was written after its freeze, seen in what its capture took: a transaction
 * whose commit marker in a CDC topic lies past the freeze position changed a captured table after the operator said
 * the application had stopped (a job nobody stopped, a second instance, an administrator's fix). Flipping then would
 * leave such writes held on the draining direction's topics, applied to the other side only at a rollback, if ever;
 * so the flip waits until none came after a freeze.
 *
 * <p>Exact where it looks: a marker is written for every transaction that changed a captured table, at its commit
 * position, which the freeze position is compared with; the sink's own writes (echo-marked) are left out. It sees
 * what the capture has published by the time it looks, which is moments behind the database.
 */
final class WritesAfterFreeze {
  /** How far before the freeze the topics are read: the capture's host clock may run behind this one. */
  static final Duration CLOCK_MARGIN = Duration.ofMinutes(5);

  private WritesAfterFreeze() {
  }

  /**
   * The commit positions of the transactions past {@code position} (a PostgreSQL LSN, {@code 16/B374D848}), per
   * captured table of {@code leg} that they changed; empty when there are none.
   */
  static Map<String, Set<Long>> find(final Leg leg, final String position, final Instant frozenAt) {
    final long freeze = lsn(position);
    final KafkaSettings kafka = leg.capture().kafka();
    final FerryTopics topics = kafka.topics(kafka.registry());
    final Map<String, Set<Long>> out = new TreeMap<>();
    for (final String table : leg.capture().tables()) {
      TopicToEnd.readSince(kafka, topics.cdc(table), frozenAt.minus(CLOCK_MARGIN), r -> {
        final ChangeEvent e = r.value();
        if (e != null && e.getOp() == ChangeOp.COMMIT && e.getCommit() != null && !e.getCommit().getEcho()
            && e.getCommit().getCommitLsn() > freeze) {
          out.computeIfAbsent(table, t -> new TreeSet<>()).add(e.getCommit().getCommitLsn());
        }
      });
    }
    return out;
  }

  /** {@code 16/B374D848} as the number PostgreSQL's {@code pg_lsn} stands for. */
  static long lsn(final String position) {
    final int slash = position.indexOf('/');
    return Long.parseLong(position.substring(0, slash), 16) << 32 | Long.parseLong(position.substring(slash + 1), 16);
  }

  /** The finding in words: each table with how many transactions changed it. */
  static String describe(final Map<String, Set<Long>> found) {
    final StringBuilder b = new StringBuilder();
    found.forEach((table, commits) -> b.append(b.length() == 0 ? "" : ", ").append(table).append(" (")
        .append(commits.size()).append(commits.size() == 1 ? " transaction)" : " transactions)"));
    return b.toString();
  }
}
