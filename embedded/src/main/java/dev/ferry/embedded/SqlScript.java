package dev.ferry.embedded;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Runs a SQL script as {@code pg_dump} writes it, without {@code psql}: plain statements, quoted
 * strings and identifiers, dollar-quoted bodies, comments, {@code COPY ... FROM stdin} blocks (fed
 * through pgjdbc's {@link CopyManager}) and psql meta-commands such as {@code \connect}, which are
 * skipped and reported to {@code notices}.
 */
public final class SqlScript {
  private static final Pattern COPY_FROM_STDIN =
      Pattern.compile("(?is)^\\s*COPY\\s+.*\\s+FROM\\s+stdin.*");

  private final String text;
  private final String name;

  private SqlScript(final String text, final String name) {
    this.text = text;
    this.name = name;
  }

  public static SqlScript of(final Path file) {
    try {
      return new SqlScript(Files.readString(file, StandardCharsets.UTF_8), file.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SQL script " + file, e);
    }
  }

  public static SqlScript of(final String text, final String name) {
    return new SqlScript(text, name);
  }

  /**
   * Executes every statement on {@code connection} in order (auto-commit as the connection has it).
   *
   * @return the number of statements and COPY blocks executed
   * @throws SQLException naming the script, the line and the statement that failed
   */
  public int run(final Connection connection, final Consumer<String> notices) throws SQLException {
    final int length = text.length();
    final StringBuilder statement = new StringBuilder();
    int executed = 0;
    int line = 1;
    int statementLine = 1;
    int i = 0;
    try (Statement s = connection.createStatement()) {
      while (i < length) {
        final char c = text.charAt(i);
        if (statement.toString().isBlank() && c == '\\' && atLineStart(i)) {
          final int end = lineEnd(i);
          notices.accept(name + ":" + line + ": skipped psql meta-command " + text.substring(i, end).trim());
          i = end;
          continue;
        }
        if (statement.toString().isBlank()) {
          statementLine = line;
        }
        if (c == '-' && i + 1 < length && text.charAt(i + 1) == '-') {
          final int end = lineEnd(i);
          i = end;
          continue;
        }
        if (c == '/' && i + 1 < length && text.charAt(i + 1) == '*') {
          final int end = text.indexOf("*/", i + 2);
          final int stop = end < 0 ? length : end + 2;
          line += count(i, stop);
          i = stop;
          continue;
        }
        if (c == '\'' || c == '"') {
          final boolean escapes = c == '\'' && i > 0 && (text.charAt(i - 1) == 'E' || text.charAt(i - 1) == 'e');
          final int stop = quotedEnd(i, c, escapes);
          statement.append(text, i, stop);
          line += count(i, stop);
          i = stop;
          continue;
        }
        if (c == '$') {
          final int tagEnd = dollarTagEnd(i);
          if (tagEnd > 0) {
            final String tag = text.substring(i, tagEnd + 1);
            final int close = text.indexOf(tag, tagEnd + 1);
            final int stop = close < 0 ? length : close + tag.length();
            statement.append(text, i, stop);
            line += count(i, stop);
            i = stop;
            continue;
          }
        }
        if (c == ';') {
          final String sql = statement.toString().trim();
          statement.setLength(0);
          i++;
          if (COPY_FROM_STDIN.matcher(sql).matches()) {
            final int dataStart = lineEnd(i);
            line += count(i, dataStart);
            final int terminator = text.indexOf("\n\\.", dataStart - 1);
            final int dataEnd = terminator < 0 ? length : terminator + 1;
            copy(connection, sql, text.substring(dataStart, dataEnd), statementLine);
            line += count(dataStart, dataEnd);
            i = terminator < 0 ? length : lineEnd(dataEnd);
          } else if (!sql.isEmpty()) {
            execute(s, sql, statementLine);
          }
          executed++;
          continue;
        }
        if (c == '\n') {
          line++;
        }
        statement.append(c);
        i++;
      }
      final String rest = statement.toString().trim();
      if (!rest.isEmpty()) {
        execute(s, rest, statementLine);
        executed++;
      }
    }
    return executed;
  }

  private void execute(final Statement s, final String sql, final int line) throws SQLException {
    try {
      s.execute(sql);
    } catch (SQLException e) {
      throw new SQLException(name + ":" + line + ": " + e.getMessage() + "\n  in: " + abbreviate(sql),
          e.getSQLState(), e);
    }
  }

  private void copy(final Connection connection, final String sql, final String data, final int line)
      throws SQLException {
    try {
      final CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
      copy.copyIn(sql, new StringReader(data));
    } catch (IOException e) {
      throw new SQLException(name + ":" + line + ": COPY failed: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new SQLException(name + ":" + line + ": " + e.getMessage() + "\n  in: " + abbreviate(sql),
          e.getSQLState(), e);
    }
  }

  private static String abbreviate(final String sql) {
    final String flat = sql.replaceAll("\\s+", " ");
    return flat.length() <= 200 ? flat : flat.substring(0, 200) + " ...";
  }

  private boolean atLineStart(final int i) {
    for (int j = i - 1; j >= 0; j--) {
      final char p = text.charAt(j);
      if (p == '\n') {
        return true;
      }
      if (!Character.isWhitespace(p)) {
        return false;
      }
    }
    return true;
  }

  private int lineEnd(final int from) {
    final int nl = text.indexOf('\n', from);
    return nl < 0 ? text.length() : nl + 1;
  }

  private int quotedEnd(final int open, final char quote, final boolean backslashEscapes) {
    int j = open + 1;
    while (j < text.length()) {
      final char ch = text.charAt(j);
      if (backslashEscapes && ch == '\\') {
        j += 2;
        continue;
      }
      if (ch == quote) {
        if (j + 1 < text.length() && text.charAt(j + 1) == quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    return text.length();
  }

  /** Index of the closing {@code $} of a dollar-quote tag starting at {@code i}, or -1 if none starts there. */
  private int dollarTagEnd(final int i) {
    if (i > 0 && (Character.isLetterOrDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '_')) {
      return -1;
    }
    int j = i + 1;
    while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) {
      j++;
    }
    if (j < text.length() && text.charAt(j) == '$'
        && (j == i + 1 || !Character.isDigit(text.charAt(i + 1)))) {
      return j;
    }
    return -1;
  }

  private int count(final int from, final int to) {
    int n = 0;
    for (int j = from; j < to && j < text.length(); j++) {
      if (text.charAt(j) == '\n') {
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "SqlScript[" + name.toLowerCase(Locale.ROOT) + "]";
  }
}
