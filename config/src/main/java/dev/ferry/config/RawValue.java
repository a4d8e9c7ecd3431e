package dev.ferry.config;

/**
 * A configuration value as the user wrote it, with where it came from.
 *
 * @param text the value as text; lists are joined with commas
 * @param origin where it was written, e.g. {@code ferry.yaml:12} or {@code env FERRY_SINK_BATCH_SIZE}
 */
public record RawValue(String text, String origin) {
}
