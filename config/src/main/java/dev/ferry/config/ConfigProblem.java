package dev.ferry.config;

/**
 * One thing wrong with the configuration: which key, which value, where it was written, what is allowed.
 *
 * @param key the dotted key
 * @param value the offending value as written, or null when the key is missing
 * @param origin where the value was written (file and line, or environment variable), or null
 * @param message what is wrong and what is allowed
 */
public record ConfigProblem(String key, String value, String origin, String message) {

  @Override
  public String toString() {
    final StringBuilder sb = new StringBuilder();
    if (origin != null) {
      sb.append(origin).append(": ");
    }
    sb.append(key);
    if (value != null) {
      sb.append(" = '").append(value).append('\'');
    }
    return sb.append(": ").append(message).toString();
  }
}
