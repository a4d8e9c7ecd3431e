package dev.ferry.sink;

/** Quoting of SQL identifiers. */
final class Sql {
  private Sql() {
  }

  /** {@code name} as a quoted identifier, with embedded quotes doubled. */
  static String quote(final String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }
}
