package dev.ferry.connector;

import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.SourcePosition;
import java.util.List;

/**
 * When the capture tells every CDC partition how far the stream has come: a {@link ChangeOp#PROGRESS} mark
 * carrying the newest source commit time published, written into every partition of every CDC topic, behind
 * what the batch wrote there, about once per {@value #STEP_MS} ms of source time.
 *
 * <p>Why: the stream processor gives up on a transaction whose commit markers do not all arrive, and on a
 * detail whose header does not, once its input has advanced a timeout past them ({@code StreamTime}). A task
 * reads several partitions (orders and order lines of one partition number), and Kafka Streams may read one of
 * them seconds of source time ahead of another (one partition's share of a large batch before the other's). An
 * input time taken as the newest read in any partition then gave up on transactions whose other half was
 * simply not read yet, and released them torn. With these marks a reader knows how far each partition is
 * complete, including a partition of a table nobody changes, and can take the least of them.
 *
 * <p>Safe because the capture writes in commit order: once Kafka holds a batch, every change committed up to
 * its newest commit time is in its partition. A source transaction still being sent is not ahead of the mark by
 * more than its own commit time, which is what the processor's timeouts count from. Nothing is written while
 * the source is quiet (no new commit time), nor during a snapshot (its rows carry read times, not commit times).
 * State changes only once Kafka committed the batch that carried the marks ({@link #written}).
 */
final class ProgressMarks {
  /** Source time between two rounds of marks: a partition's known progress lags the stream by at most this. */
  static final long STEP_MS = 1_000;
  private static final SourcePosition NOWHERE = SourcePosition.newBuilder().setDatabase("").setSchema$("")
      .setTable("").setLsn(0).setSnapshot(false).setTsMs(0).build();

  /** Source time of the last marks Kafka took; 0 before the first. */
  private long written;

  /**
   * The source time to mark behind a batch whose newest streamed commit time is {@code batchSourceTsMs} (0: it
   * streamed nothing), or -1 when no marks are due.
   */
  long due(final long batchSourceTsMs) {
    return batchSourceTsMs > 0 && batchSourceTsMs - written >= STEP_MS ? batchSourceTsMs : -1;
  }

  /** Kafka took marks of {@code tsMs}. */
  void written(final long tsMs) {
    written = Math.max(written, tsMs);
  }

  /** The mark of {@code tsMs}: the same for every partition. */
  static ChangeEvent mark(final long tsMs) {
    final SourcePosition source = SourcePosition.newBuilder(NOWHERE).setTsMs(tsMs).build();
    return ChangeEvent.newBuilder().setOp(ChangeOp.PROGRESS).setSource(source).setKey(List.of()).build();
  }
}
