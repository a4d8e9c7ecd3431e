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
    }
    return new TargetError(field, value, message);
  }
}
