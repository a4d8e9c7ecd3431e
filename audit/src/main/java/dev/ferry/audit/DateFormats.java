package dev.ferry.audit;

/**
 * Turns a Java date pattern (as the mapping's {@code formats} give them, e.g. {@code dd.MM.yyyy}) into a POSIX
 * regular expression for the shape of such a date, so that the legacy database can count the values that look like
 * one. A shape, not a parse: {@code 31.02.2026} has the shape and is still refused by the mapping (the dry run counts
 * those).
 */
final class DateFormats {
  private DateFormats() {
  }

  static String regex(final String pattern) {
    final StringBuilder out = new StringBuilder("^\\s*");
    int i = 0;
    while (i < pattern.length()) {
      final char ch = pattern.charAt(i);
      if (ch == '\'') {
        final int end = pattern.indexOf('\'', i + 1);
        final String literal = end < 0 ? pattern.substring(i + 1) : pattern.substring(i + 1, end);
        out.append(escape(literal.isEmpty() ? "'" : literal));
        i = end < 0 ? pattern.length() : end + 1;
        continue;
      }
      int run = 1;
      while (i + run < pattern.length() && pattern.charAt(i + run) == ch) {
        run++;
      }
      out.append(switch (ch) {
        case 'y', 'u' -> run == 2 ? "[0-9]{2}" : "[0-9]{4}";
        case 'M' -> run >= 3 ? "[A-Za-z]{3,9}" : "[0-9]{1,2}";
        case 'd', 'H', 'h', 'k', 'K', 'm', 's' -> "[0-9]{1,2}";
        case 'S' -> "[0-9]{1," + Math.max(run, 9) + "}";
        case 'a' -> "[AaPp][Mm]";
        case 'E' -> "[A-Za-z]{2,9}";
        case 'X', 'x', 'Z' -> "(Z|[-+][0-9]{2}:?[0-9]{2})";
        default -> escape(String.valueOf(ch).repeat(run));
      });
      i += run;
    }
    return out.append("\\s*$").toString();
  }

  private static String escape(final String literal) {
    final StringBuilder sb = new StringBuilder();
    for (final char c : literal.toCharArray()) {
      if ("\\.^$|?*+()[]{}".indexOf(c) >= 0) {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
