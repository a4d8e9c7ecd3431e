package dev.ferry.schemas;

/** The schema registry refused a request or could not be reached; the message names the URL and the answer. */
public final class RegistryException extends RuntimeException {
  private final int status;

  public RegistryException(final String message, final Throwable cause) {
    super(message, cause);
    this.status = -1;
  }

  public RegistryException(final String message) {
    this(message, -1);
  }

  public RegistryException(final String message, final int status) {
    super(message);
    this.status = status;
  }

  /** The HTTP status the registry answered, or -1 when it did not answer. */
  public int status() {
    return status;
  }
}
