package dev.ferry.processor;

import dev.ferry.config.Config;
import dev.ferry.config.Options;
import dev.ferry.config.Setting;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Typed configuration of the stream processor.
 *
 * @param kafka shared Kafka settings
 * @param applicationId Kafka Streams application id (consumer group and internal topic prefix)
 * @param stateDir directory of local state
 * @param mapping the loaded, checked mapping
 * @param guarantee processing guarantee
 * @param commitInterval how often progress is committed
 * @param threads stream threads in this instance
 * @param dedupRetention how long a change is remembered to drop its redeliveries
 * @param orphanTimeout how long a detail waits for its header before it is dead-lettered
 * @param orphanBufferMax most changes held waiting for their header, per task
 * @param transactionTimeout how long an incomplete source transaction is held before it is released as is
 * @param waitForUnseenHeaders whether a detail waits for a header never seen yet
 * @param control which direction of the sync this is, and where the processor answers what it holds
 */
public record ProcessorConfig(
    KafkaSettings kafka,
    String applicationId,
    Path stateDir,
    Mapping mapping,
    ProcessingGuarantee guarantee,
    Duration commitInterval,
    int threads,
    Duration dedupRetention,
    Duration orphanTimeout,
    int orphanBufferMax,
    Duration transactionTimeout,
    boolean waitForUnseenHeaders,
    dev.ferry.schemas.LiveDirection.Settings control) {

  private static final String GROUP = "processor";

  public static final Setting<String> APPLICATION_ID = Setting.string("processor.application-id", GROUP,
      "ferry-processor", "Kafka Streams application id; instances with the same id share the work.");
  public static final Setting<String> STATE_DIR = Setting.string("processor.state-dir", GROUP, ".ferry/streams",
      "Directory for the processor's local state stores.");
  public static final Setting<String> MAPPING_FILE = Setting.string("processor.mapping-file", GROUP, null,
      "Mapping file (YAML): which source tables and columns become which target tables and columns.");
  public static final Setting<ProcessingGuarantee> GUARANTEE = new Setting<>("processor.processing-guarantee",
      GROUP, "Kafka Streams processing guarantee. Only exactly-once: under at-least-once a crash between a state "
          + "store's write and the offset commit dropped a redelivered change as a duplicate.",
      ProcessingGuarantee.EXACTLY_ONCE, raw -> {
        if (raw.trim().replace('_', '-').equalsIgnoreCase("at-least-once")) {
          throw new IllegalArgumentException("at-least-once is no longer offered: a crash between the processor's "
              + "state stores and its offsets could drop a redelivered change as a duplicate, losing it; remove "
              + "the key or set exactly-once");
        }
        try {
          return Options.parse(ProcessingGuarantee.class, raw);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("not an allowed value");
        }
      }, "exactly-once");
  public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration("processor.commit-interval", GROUP,
      Duration.ofMillis(100), Duration.ofMillis(10),
      "How often the processor commits; with exactly-once the sink sees a change only after this commit, so it "
          + "bounds the processor's share of the latency. Shorter costs more commits per row at high rates.");
  public static final Setting<Integer> THREADS = Setting.integer("processor.threads", GROUP, 1, 1, 64,
      "Stream threads in this instance.");

  public static final Setting<Duration> DEDUP_RETENTION = Setting.duration("processor.dedup-retention", GROUP,
      Duration.ofHours(1), Duration.ofMinutes(1),
      "How long a released source transaction is remembered so that a redelivery of it (same transaction id "
          + "and source time) is dropped. Must exceed the longest the connector may take to resend after a crash. "
          + "Bounds the dedup store: it holds the transactions of this period.");
  public static final Setting<Duration> ORPHAN_TIMEOUT = Setting.duration("processor.orphan-timeout", GROUP,
      Duration.ofMinutes(10), Duration.ofSeconds(1),
      "How long a detail row waits for its header row before it goes to the dead-letter topic as a "
          + "referential-integrity failure. Counted in input time (changes committed that much later have been "
          + "read in every partition of the task, as the connector's progress marks tell), never on the wall clock, "
          + "so a stopped or lagging processor orphans nothing. Must exceed the "
          + "initial snapshot of the header table.");
  public static final Setting<Integer> ORPHAN_BUFFER_MAX = Setting.integer("processor.orphan-buffer-max", GROUP,
      100_000, 1, 100_000_000,
      "Most changes held waiting for their header, per stream task. Past it the longest-waiting are "
          + "dead-lettered at once, so a flood of orphans cannot exhaust the disk.");
  public static final Setting<Duration> TRANSACTION_TIMEOUT = Setting.duration("processor.transaction-timeout",
      GROUP, Duration.ofMinutes(10), Duration.ofSeconds(1),
      "How long the events of a source transaction are held waiting for its commit markers. Past it they are "
          + "released as they are, with a warning: availability over atomicity when a marker is lost. Counted in "
          + "input time (changes committed that much later have been read in every partition of the task, as the "
          + "connector's progress marks tell), never on the wall clock, so a stopped or lagging processor, or one "
          + "partition read ahead of another, tears nothing.");

  public static final Setting<UnseenHeaders> UNSEEN_HEADERS = Setting.option("processor.unseen-headers", GROUP,
      UnseenHeaders.AUTO, UnseenHeaders.class, "A detail row added under a header row the processor has never seen: "
          + "wait for the header (up to processor.orphan-timeout), or pass it on at once. auto: wait, unless "
          + "connector.snapshot-mode is no-data (the target was loaded by other means, so its headers exist but the "
          + "processor never saw them; the target's foreign keys keep the order instead, the sink parking a row "
          + "whose parent has not arrived).");

  public static final Setting<PiiMode> PII = Setting.option("processor.pii", GROUP, PiiMode.KEEP, PiiMode.class,
      "What happens to fields the mapping marks 'pii': keep the real values (production), or protect them "
          + "(mask or pseudonymize, for test and training copies).");
  public static final Setting<String> PSEUDONYMIZATION_KEY = new Setting<>("processor.pseudonymization-key", GROUP,
      "Secret key for 'pii: pseudonymize' (HMAC-SHA256); the same key gives the same pseudonyms, so joins "
          + "survive. Set it through FERRY_PROCESSOR_PSEUDONYMIZATION_KEY.", "", raw -> raw, "any text");

  public static final List<Setting<?>> SETTINGS = List.of(APPLICATION_ID, STATE_DIR, MAPPING_FILE, GUARANTEE,
      COMMIT_INTERVAL, THREADS, DEDUP_RETENTION, ORPHAN_TIMEOUT, ORPHAN_BUFFER_MAX, TRANSACTION_TIMEOUT, UNSEEN_HEADERS,
      PII, PSEUDONYMIZATION_KEY);

  /** What a detail row added under a header the processor has never seen does. */
  public enum UnseenHeaders {
    /** Wait, unless the capture started without a snapshot ({@code connector.snapshot-mode: no-data}). */
    AUTO,
    /** Wait for the header, up to {@code processor.orphan-timeout}. */
    WAIT,
    /** Pass on at once: the header exists in the target already. */
    PASS
  }

  /** Whether fields marked {@code pii} keep their real values. */
  public enum PiiMode {
    /** Real values: production. */
    KEEP,
    /** Masked or pseudonymized: test and training copies. */
    PROTECT
  }

  /**
   * The processor's settings in {@code config}.
   *
   * @param captureSnapshots whether the capture snapshots the tables before streaming (its {@code
   *     connector.snapshot-mode} is not {@code no-data}): what {@code processor.unseen-headers: auto} follows
   */
  public static ProcessorConfig from(final Config config, final Mapping mapping, final boolean captureSnapshots) {
    final UnseenHeaders unseen = config.get(UNSEEN_HEADERS);
    return new ProcessorConfig(KafkaSettings.from(config), config.get(APPLICATION_ID),
        Path.of(config.get(STATE_DIR)), mapping, config.get(GUARANTEE), config.get(COMMIT_INTERVAL),
        config.get(THREADS), config.get(DEDUP_RETENTION), config.get(ORPHAN_TIMEOUT), config.get(ORPHAN_BUFFER_MAX),
        config.get(TRANSACTION_TIMEOUT), unseen == UnseenHeaders.WAIT || unseen == UnseenHeaders.AUTO && captureSnapshots,
        dev.ferry.schemas.LiveDirection.Settings.from(config));
  }
}
