package dev.ferry.processor;

import dev.ferry.processor.ordering.HeldMetrics;
import dev.ferry.schemas.LiveDirection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the control topic what this processor instance holds back ({@link HeldMetrics}): under
 * {@code processor/<application id>/<instance id>}, whenever it changes and at least every 10 s, so that the
 * cutover's drain can see that no transaction waits for its end and no detail for its header, and that the answer is
 * recent. A control topic out of reach costs a log line, never the processing.
 */
final class HeldReport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeldReport.class);
  private static final long EVERY_MS = 2_000;
  private static final long AT_LEAST_MS = 10_000;
  private final StreamProcessor processor;
  private final ProcessorConfig config;
  private final String key;
  private final Thread thread;
  private volatile boolean running = true;

  HeldReport(final StreamProcessor processor, final ProcessorConfig config, final String instanceId) {
    this.processor = processor;
    this.config = config;
    this.key = "processor/" + config.applicationId() + "/" + instanceId;
    this.thread = new Thread(this::run, "ferry-processor-held-report");
    thread.setDaemon(true);
  }

  HeldReport start() {
    thread.start();
    return this;
  }

  private void run() {
    LiveDirection.Answers answers = null;
    try {
      answers = new LiveDirection.Answers(config.kafka(), config.control().topic());
      report(answers);
    } catch (RuntimeException e) {
      if (running) {
        LOG.warn("cannot tell control topic {} what the processor holds: {}", config.control().topic(),
            e.getMessage());
      }
    } finally {
      // close() interrupts this thread to end its sleep; the producer's own close must not see that
      Thread.interrupted();
      if (answers != null) {
        answers.close();
      }
    }
  }

  private void report(final LiveDirection.Answers answers) {
    Map<String, Long> last = null;
    long lastSent = 0;
    boolean warned = false;
    while (running) {
      try {
        Thread.sleep(EVERY_MS);
      } catch (InterruptedException e) {
        return;
      }
      final Map<String, Long> now = new LinkedHashMap<>();
      now.put(HeldMetrics.TRANSACTIONS, processor.metric(HeldMetrics.TRANSACTIONS));
      now.put(HeldMetrics.DETAILS, processor.metric(HeldMetrics.DETAILS));
      if (now.equals(last) && System.currentTimeMillis() - lastSent < AT_LEAST_MS || !running) {
        continue;
      }
      try {
        answers.answer(key, config.control().direction(), processor.state().name().toLowerCase(Locale.ROOT), 0, now);
        last = now;
        lastSent = System.currentTimeMillis();
        warned = false;
      } catch (RuntimeException e) {
        if (!warned && running) {
          LOG.warn("cannot tell control topic {} what the processor holds ({}); trying again", config.control().topic(),
              e.getMessage());
          warned = true;
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
