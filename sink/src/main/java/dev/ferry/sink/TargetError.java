package dev.ferry.sink;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What the target said about a refused row, in the dead letter's terms: the constraint, the field and
 * the offending value where the database names them ({@code Key (product_id)=(999) is not present in
 * table "product"}).
 *
 * @param field the column at fault, or null
 * @param value the offending value, or null
 * @param message the database's message with its detail
 */
record TargetError(String field, String value, String message) {
  private static final Pattern KEY = Pattern.compile("Key \\(([^)]+)\\)=\\(([^)]*)\\)");
  /** MariaDB: {@code Duplicate entry 'x' for key 'name'}. */
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate entry '(.*)' for key '([^']+)'");
  /** MariaDB: {@code .. FOREIGN KEY (`product_id`) REFERENCES ..}. */
  private static final Pattern FOREIGN_KEY = Pattern.compile("FOREIGN KEY \\(`([^`]+)`\\)");
  /** MariaDB: {@code Data too long for column 'name'}, {@code Incorrect integer value: 'x' for column `qty`}. */
  private static final Pattern COLUMN = Pattern.compile("(?:value: '(.*)' )?for column [`']([^`']+)[`']");

  static TargetError of(final SQLException e) {
    String field = null;
    String value = null;
    String message = e.getMessage();
    if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
      final ServerErrorMessage m = p.getServerErrorMessage();
      message = m.getMessage() + (m.getDetail() != null ? " (" + m.getDetail() + ")" : "");
      field = m.getColumn();
      if (m.getDetail() != null) {
        final Matcher k = KEY.matcher(m.getDetail());
        if (k.find()) {
          field = k.group(1);
          value = k.group(2);
        }
      }
    } else if (e.getNextException() != null) {
      return of(e.getNextException());
    } else if (e.getErrorCode() == 0 && message != null) {
      // PostgreSQL's words, said by Ferry ({@link MissingReferences}: a row found waiting before it was written)
      final Matcher k = KEY.matcher(message);
      if (k.find()) {
        field = k.group(1);
        value = k.group(2);
      }
    } else if (message != null) {
      final Matcher d = DUPLICATE.matcher(message);
      final Matcher f = FOREIGN_KEY.matcher(message);
      final Matcher col = COLUMN.matcher(message);
      if (d.find()) {
        field = d.group(2);
        value = d.group(1);
      } else if (f.find()) {
        field = f.group(1);
      } else if (col.find()) {
        field = col.group(2);
        value = col.group(1);
      }
    }
    return new TargetError(field, value, message);
  }
}
