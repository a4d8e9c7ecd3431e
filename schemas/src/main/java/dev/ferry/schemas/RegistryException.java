package dev.ferry.schemas;

/** The schema registry refused a request or could not be reached; the message names the URL and the answer. */
public final class RegistryException extends RuntimeException {
  public RegistryException(final String message, final Throwable cause) {
    super(message, cause);
  }

  public RegistryException(final String message) {
    super(message);
  }
}
