package dev.ferry.processor;

/** Kafka Streams processing guarantee. */
public enum ProcessingGuarantee {
  /** Each change affects the apply topic exactly once (Kafka transactions). */
  EXACTLY_ONCE("exactly_once_v2"),
  /** Faster; after a crash some changes are mapped twice (harmless: the sink is idempotent). */
  AT_LEAST_ONCE("at_least_once");

  private final String streamsValue;

  ProcessingGuarantee(final String streamsValue) {
    this.streamsValue = streamsValue;
  }

  String streamsValue() {
    return streamsValue;
  }
}
