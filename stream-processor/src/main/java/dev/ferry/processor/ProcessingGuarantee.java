package dev.ferry.processor;

/**
 * Kafka Streams processing guarantee. Exactly once is the only one offered: the deduplication, transaction and
 * header stores must change atomically with the input offsets and the output, which only Kafka transactions give.
 * Under at-least-once a crash after a store's write and before the offset commit redelivers a change the
 * deduplication store already holds, and it is dropped as a duplicate: lost without a trace. So at-least-once
 * was removed rather than offered with that hole.
 */
public enum ProcessingGuarantee {
  /** Each change affects the apply topic exactly once (Kafka transactions). */
  EXACTLY_ONCE("exactly_once_v2");

  private final String streamsValue;

  ProcessingGuarantee(final String streamsValue) {
    this.streamsValue = streamsValue;
  }

  String streamsValue() {
    return streamsValue;
  }
}
