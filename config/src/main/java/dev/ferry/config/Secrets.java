package dev.ferry.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of log lines and error messages: a password may sit in a setting of its own, in a
 * mistyped key ({@code legacy.pasword}), or inside a JDBC URL ({@code ?password=...}). Everything Ferry prints
 * about a configuration value or a connection goes through here.
 */
public final class Secrets {
  /** What is printed instead of a secret. */
  public static final String HIDDEN = "***";
  /** Matched against a key's last segment: any spelling of password, or a secret, token, credential or key. */
  private static final Pattern SECRET_KEY = Pattern.compile(
      "(?i).*(pas+w|pwd|passphrase|secret|token|credential|private).*|(.*[-_])?key");
  private static final Pattern URL_PARAMETER = Pattern.compile(
      "(?i)((?:password|passwd|pwd|sslpassword|sslkey|secret|token|credential)[a-z]*=)[^&;,)]*");
  private static final Pattern USER_INFO = Pattern.compile("(//[^/:@?]+:)[^@/]*@");

  private Secrets() {
  }

  /** True when a setting named {@code key} probably holds a secret (by its name, whether or not it is known). */
  public static boolean isSecretKey(final String key) {
    if (key == null) {
      return false;
    }
    final String last = key.substring(key.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    // a JAAS configuration (kafka.client.sasl.jaas.config) holds the SASL password
    return SECRET_KEY.matcher(last).matches() || key.toLowerCase(Locale.ROOT).contains("jaas");
  }

  /** {@code url} with passwords in its parameters and user info replaced by {@link #HIDDEN}. */
  public static String redactUrl(final String url) {
    if (url == null) {
      return null;
    }
    return USER_INFO.matcher(URL_PARAMETER.matcher(url).replaceAll("$1" + HIDDEN)).replaceAll("$1" + HIDDEN + "@");
  }

  /** The value of {@code key} as it may be printed: hidden for a secret key, URLs redacted otherwise. */
  public static String printable(final String key, final String value) {
    if (value == null) {
      return null;
    }
    return isSecretKey(key) ? HIDDEN : redactUrl(value);
  }
}
