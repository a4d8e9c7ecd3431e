package dev.ferry.sink;

import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.LogicalValues;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;

/** Binds a {@link ColumnValue} to a statement parameter by what the value means (its logical type). */
final class ColumnBinder {
  private ColumnBinder() {
  }

  static void bind(final PreparedStatement ps, final int index, final ColumnValue column, final int sqlType,
      final TargetDialect dialect) throws SQLException {
    final Object v = column.getValue();
    if (v == null) {
      ps.setNull(index, sqlType);
      return;
    }
    final String logical = column.getLogical();
    if (logical != null) {
      switch (logical) {
        case "decimal" -> ps.setBigDecimal(index, new BigDecimal(v.toString()));
        case "date", "timestamp-micros", "time-micros" -> ps.setObject(index, LogicalValues.temporal(column));
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
      ps.setString(index, s.toString());
    } else {
      ps.setObject(index, v);
    }
  }
}
