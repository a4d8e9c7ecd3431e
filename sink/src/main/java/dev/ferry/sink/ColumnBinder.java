package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import dev.ferry.schemas.SpecialNumbers;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Binds a {@link ColumnValue} to a statement parameter by what the value means (its logical type). */
final class ColumnBinder {
  private ColumnBinder() {
  }



  /**
   * Binds {@code column}. A value that cannot be bound (text that is no number for a decimal, say) is the row's
   * fault: it is reported as a data exception (SQLState 22000), so the row is dead-lettered like one the
   * database refused, and never stops the sink.
   */
  static void bind(final PreparedStatement ps, final int index, final ColumnValue column, final int sqlType,
      final TargetDialect dialect) throws SQLException {
    try {
      bindValue(ps, index, column, sqlType, dialect);
    } catch (RuntimeException e) {
      throw new SQLDataException("cannot write '" + column.getValue() + "' of logical type " + column.getLogical()
          + " into " + column.getName() + ": " + e.getMessage(), "22000", e);
    }
  }

  private static void bindValue(final PreparedStatement ps, final int index, final ColumnValue column,
      final int sqlType, final TargetDialect dialect) throws SQLException {
    final Object v = column.getValue();
    if (v == null) {
      dialect.bindNull(ps, index, sqlType);
      return;
    }
    final String logical = column.getLogical();
    if (logical != null) {
      switch (logical) {
        case "decimal" -> {
          if (SpecialNumbers.isSpecial(v)) {
            // NaN and infinities: no BigDecimal holds them; PostgreSQL's numeric does, MariaDB refuses them
            dialect.bindOther(ps, index, v.toString());
          } else {
            ps.setBigDecimal(index, new BigDecimal(v.toString()));
          }
        }
        case "date", "timestamp-micros" -> ps.setObject(index, LogicalValues.temporal(column));
        case "time-micros" -> {
          final Object time = LogicalValues.time(v);
          if (time instanceof String endOfDay) {
            dialect.bindOther(ps, index, endOfDay);
          } else {
            ps.setObject(index, time);
          }
        }
        case "timestamp-tz" -> ps.setObject(index, OffsetDateTime.parse(v.toString()));
        case "uuid" -> dialect.bindUuid(ps, index, UUID.fromString(v.toString()));
        default -> dialect.bindOther(ps, index, v.toString());
      }
      return;
    }
    if (v instanceof ByteBuffer bb) {
      final ByteBuffer copy = bb.duplicate();
      final byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      ps.setBytes(index, bytes);
    } else if (v instanceof CharSequence s) {
      // text the target reads as the column's type: on PostgreSQL an enum, inet, xml, an array or a range column
      // takes its text as a literal of that type (bound as varchar, PostgreSQL refused it: datatype mismatch)
      dialect.bindOther(ps, index, s.toString());
    } else {
      ps.setObject(index, v);
    }
  }
}
