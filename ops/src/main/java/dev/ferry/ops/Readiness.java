package dev.ferry.ops;

/**
 * Whether one part of a service is ready to do its work, and if not, why (the body of {@code /health/ready}).
 *
 * @param part what was checked, e.g. {@code target database}
 * @param ready whether it is
 * @param reason what was seen: why not, or what shows it is
 */
public record Readiness(String part, boolean ready, String reason) {

  public static Readiness ready(final String part, final String reason) {
    return new Readiness(part, true, reason);
  }

  public static Readiness notReady(final String part, final String reason) {
    return new Readiness(part, false, reason);
  }

  /** A part of a service that can say whether it is ready. */
  @FunctionalInterface
  public interface Check {
    Readiness check();
  }
}
