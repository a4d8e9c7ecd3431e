package dev.ferry.connector;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Collection;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.postgresql.util.PGobject;

/**
 * Captures the PostgreSQL types Debezium would carry inexactly as PostgreSQL's own text for them: arrays
 * ({@code {"a, b",NULL}}, any number of dimensions), geometric types ({@code (1.5,-2)}) and bit strings longer than one
 * bit ({@code 0101}). Debezium gives an array as a list (a two-dimensional one as a list of nulls: its values lost), a
 * point as a structure and a bit string as bytes without its length (leading zeros lost); none of them could be
 * written back as it was. As text, a column of the same type in a PostgreSQL target takes the value exactly (the
 * sink lets PostgreSQL read text as the column's type), and a mapping can read or convert it like any text.
 * {@code bit(1)} stays Debezium's boolean.
 *
 * <p>A value PostgreSQL did not send with an update (an unchanged TOASTed array) becomes Debezium's placeholder text,
 * which {@link ChangeEventConverter} leaves out of the row, as for every other type.
 */
public final class PostgresTextValues implements CustomConverter<SchemaBuilder, RelationalColumn> {
  /** Debezium's {@code converters} name for this converter. */
  static final String NAME = "ferrytext";
  private static final Set<String> GEOMETRIC = Set.of("point", "line", "lseg", "box", "path", "polygon", "circle");

  @Override
  public void configure(final Properties props) {
    // nothing to configure
  }

  @Override
  public void converterFor(final RelationalColumn column, final ConverterRegistration<SchemaBuilder> registration) {
    if (asText(column.typeName(), column.length().orElse(-1))) {
      registration.register(SchemaBuilder.string().optional(), PostgresTextValues::text);
    }
  }

  /** Whether a column of PostgreSQL type {@code typeName} (length {@code length}, -1 when none) is captured as text. */
  static boolean asText(final String typeName, final int length) {
    if (typeName == null) {
      return false;
    }
    final String type = typeName.toLowerCase(Locale.ROOT).replace("\"", "");
    final String bare = type.contains(".") ? type.substring(type.lastIndexOf('.') + 1) : type;
    return bare.startsWith("_") || GEOMETRIC.contains(bare) || "varbit".equals(bare) || "bit varying".equals(bare)
        || ("bit".equals(bare) && length != 1);
  }

  /** PostgreSQL's text of {@code raw} as the snapshot (JDBC) or the stream (pgoutput) delivers it. */
  static Object text(final Object raw) {
    if (raw == null) {
      return null;
    }
    // Debezium marks an unchanged TOASTed value with one of several markers (one per kind of array, ...)
    if (UnchangedToastedReplicationMessageColumn.isUnchangedToastedValue(raw)) {
      return ChangeEventConverter.UNAVAILABLE;
    }
    if (raw instanceof PGobject o) {
      return o.getValue();
    }
    if (raw instanceof Collection<?> c && c.contains(ChangeEventConverter.UNAVAILABLE)) {
      return ChangeEventConverter.UNAVAILABLE;
    }
    if (raw instanceof Boolean b) {
      return b ? "1" : "0";
    }
    // java.sql.Array (pgjdbc's PgArray prints the array's literal), String (pgoutput's text)
    return raw.toString();
  }
}
