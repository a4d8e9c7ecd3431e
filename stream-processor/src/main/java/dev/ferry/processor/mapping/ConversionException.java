package dev.ferry.processor.mapping;

/** A value could not be converted; the message says why in the user's terms. */
public final class ConversionException extends RuntimeException {
  private final String rule;
  private final String resolution;

  public ConversionException(final String rule, final String message, final String resolution) {
    super(message);
    this.rule = rule;
    this.resolution = resolution;
  }

  /** Id of the conversion that failed, e.g. {@code map.decimal}. */
  public String rule() {
    return rule;
  }

  /** A suggested fix. */
  public String resolution() {
    return resolution;
  }
}
