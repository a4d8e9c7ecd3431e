package dev.ferry.cutover;

import dev.ferry.processor.ordering.HeldMetrics;
import dev.ferry.schemas.LiveDirection;
import dev.ferry.schemas.LiveDirectionReader;
import dev.ferry.schemas.PipelineLag;
import dev.ferry.sink.SinkBacklog;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The cutover's third step: everything the frozen side wrote up to the freeze position has reached the other
 * database. Seen from outside the services, so that it works however they are deployed: the capture's replication
 * slot has confirmed a position at or past the freeze (the capture confirms only what Kafka holds, and its heartbeat
 * moves it on while the tables are quiet); the processor has committed everything on the CDC topics and every
 * instance that answered in the last {@value #FRESH_SECONDS} s holds no transaction waiting for its end and no detail
 * waiting for its header; the sink has applied every committed record of the apply topic and parks no row. All of
 * it, {@value #ROUNDS} times in a row, a second apart.
 */
final class Drain {
  private static final int ROUNDS = 3;
  private static final long FRESH_SECONDS = 30;

  /** Where the drain stands: each condition's figure, for the progress lines and the report. */
  record Status(String slotAt, boolean capturePassed, long processorBehind, long heldTransactions, long heldDetails,
      int processorAnswers, long sinkPending) {
    boolean drained() {
      return capturePassed && processorBehind == 0 && processorAnswers > 0 && heldTransactions == 0
          && heldDetails == 0 && sinkPending == 0;
    }

    String line(final String position) {
      return String.format(Locale.ROOT, "capture at %s (freeze %s)%s; processor behind %,d, holding %,d "
          + "transactions and %,d details (%d instance(s) answering); sink pending %,d", slotAt, position,
          capturePassed ? ", past it" : "", processorBehind, heldTransactions, heldDetails, processorAnswers,
          sinkPending);
    }
  }

  private Drain() {
  }

  /**
   * Waits until {@code leg} has drained past {@code position} (a PostgreSQL LSN of the database it captures).
   *
   * @return the last status; drained, or not when {@code timeout} passed first
   */
  static Status await(final Leg leg, final String position, final Duration timeout, final PrintStream out)
      throws Exception {
    final long deadline = System.nanoTime() + timeout.toNanos();
    long lastLine = 0;
    int stable = 0;
    Status s = null;
    try (PipelineLag lag = new PipelineLag(leg.processor().kafka());
        LiveDirectionReader control = new LiveDirectionReader(leg.processor().kafka(),
            leg.processor().control().topic())) {
      while (System.nanoTime() < deadline) {
        s = status(leg, position, lag, control);
        stable = s.drained() ? stable + 1 : 0;
        if (stable >= ROUNDS) {
          return s;
        }
        if (System.nanoTime() - lastLine > Duration.ofSeconds(5).toNanos()) {
          out.println("  drain: " + s.line(position));
          lastLine = System.nanoTime();
        }
        Thread.sleep(1_000);
      }
    }
    return s;
  }

  static Status status(final Leg leg, final String position, final PipelineLag lag,
      final LiveDirectionReader controlTopic) throws Exception {
    String slotAt = "no slot";
    boolean passed = false;
    try (Connection c = leg.captured(); PreparedStatement ps = c.prepareStatement("SELECT confirmed_flush_lsn::text, "
        + "confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, position);
      ps.setString(2, leg.capture().slotName());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          slotAt = rs.getString(1);
          passed = rs.getBoolean(2);
        }
      }
    }
    final long behind = lag.behind(leg.processor().applicationId(), leg.cdcTopics());
    final LiveDirection.Snapshot control = controlTopic.snapshot();
    final String prefix = "processor/" + leg.processor().applicationId() + "/";
    long transactions = 0;
    long details = 0;
    int answers = 0;
    for (final LiveDirection.Answer a : control.answers().values()) {
      if (a.from().startsWith(prefix) && a.at().isAfter(Instant.now().minusSeconds(FRESH_SECONDS))) {
        answers++;
        transactions += a.figures().getOrDefault(HeldMetrics.TRANSACTIONS, 0L);
        details += a.figures().getOrDefault(HeldMetrics.DETAILS, 0L);
      }
    }
    return new Status(slotAt, passed, behind, transactions, details, answers, SinkBacklog.pending(leg.sink()));
  }

  /** The database's current WAL position: where the frozen side's writes end. */
  static String position(final Connection c) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_current_wal_lsn()::text");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }
}
