package dev.ferry.sink;

import dev.ferry.schemas.ApplyRecord;

/**
 * One record of the apply topic as the sink holds it from the poll until its batch commits: where it came
 * from (for offsets, parking and dead letters) and the change it carries. Kept instead of Kafka's
 * {@code ConsumerRecord}, which also holds headers, sizes, a timestamp and a leader epoch per record:
 * with tens of thousands of records in flight per writer, the smaller record is less for the collector
 * to copy.
 */
record ApplyTopicRecord(String topic, int partition, long offset, String key, ApplyRecord value) {
}
