package dev.ferry.schemas;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The wait of a start-up check for a server Ferry needs ({@link KafkaReachability}, the registry's
 * {@link ConfluentRegistryClient#awaitAnswer}): one try a second until it answers or the deadline passes, one WARN at
 * the first miss (on the check's own logger), then {@link ServerUnreachable} with the last reason.
 */
final class WaitForAnswer {
  private WaitForAnswer() {
  }

  /**
   * Tries {@code attempt} (null: answered; else why not; it may throw {@link ServerUnreachable} for a final no) until
   * it answers or {@code deadline} ({@link System#nanoTime}) passes. {@code server} names it in the WARN ("Kafka at
   * host:9092"), {@code setting} in the failure ("Kafka at kafka.bootstrap-servers = host:9092").
   */
  static void until(final Logger log, final String server, final String setting, final long deadline,
      final Duration within, final Supplier<String> attempt) {
    boolean said = false;
    while (true) {
      final String why = attempt.get();
      if (why == null) {
        return;
      }
      final long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new ServerUnreachable("cannot reach " + setting + " within " + seconds(within) + ": " + why);
      }
      if (!said) {
        log.warn("{} does not answer ({}); waiting up to {} for it", server, why, seconds(within));
        said = true;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(TimeUnit.SECONDS.toNanos(1), left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ServerUnreachable("interrupted while waiting for " + server);
      }
    }
  }

  /** {@code d} as the messages say it: whole seconds, else milliseconds. */
  static String seconds(final Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
