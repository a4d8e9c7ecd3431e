package dev.ferry.processor.mapping;

/**
 * One target column and where it comes from.
 *
 * @param source source column name
 * @param target target column name
 * @param conversion how the value is converted
 * @param description the conversion as written in the mapping file, for messages
 */
public record ColumnMapping(String source, String target, Conversion conversion, String description) {
}
