package dev.ferry.connector;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Collection;
import java.sql.Types;
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
 * <p>Types Debezium has no converter for are captured as their text too: composite types ({@code CREATE TYPE address
 * AS (...)}), {@code pg_lsn}, {@code tsquery}, {@code tid}, {@code xid}, {@code regclass} and the like. Debezium
 * leaves such a column out of every change event with a warning at start ("No converter found ... will not be part
 * of change events"), while the direct load reads it as text: the snapshot arrived whole and every streamed change
 * of the row was dead-lettered as if the column had been dropped. A type counts as Debezium's own when its JDBC type
 * is one Debezium converts by JDBC type, or when it is one of the PostgreSQL types it converts by name
 * ({@link #DEBEZIUM_OTHER}); its text then needs {@code include.unknown.datatypes}, without which Debezium hands the
 * converter null for it while streaming ({@link ConnectorConfig}).
 *
 * <p>A value PostgreSQL did not send with an update (an unchanged TOASTed array) becomes Debezium's placeholder text,
 * which {@link ChangeEventConverter} leaves out of the row, as for every other type.
 */
public final class PostgresTextValues implements CustomConverter<SchemaBuilder, RelationalColumn> {
  /** Debezium's {@code converters} name for this converter. */
  static final String NAME = "ferrytext";
  private static final Set<String> GEOMETRIC = Set.of("point", "line", "lseg", "box", "path", "polygon", "circle");
  /**
   * The types reported as JDBC's {@code OTHER} that Debezium 3.6's PostgreSQL value converter converts itself (by
   * their OID, or by name for extensions' types): every other {@code OTHER} type it leaves out of the change events.
   */
  static final Set<String> DEBEZIUM_OTHER = Set.of("interval", "json", "jsonb", "uuid", "inet", "cidr", "macaddr",
      "macaddr8", "tsvector", "tsrange", "tstzrange", "daterange", "int4range", "numrange", "int8range", "money", "xml",
      "citext", "hstore", "ltree", "geometry", "geography", "vector", "halfvec", "sparsevec", "isbn");

  @Override
  public void configure(final Properties props) {
    // nothing to configure
  }

  @Override
  public void converterFor(final RelationalColumn column, final ConverterRegistration<SchemaBuilder> registration) {
    if (asText(column.typeName(), column.length().orElse(-1)) || unknownToDebezium(column.typeName(),
        column.jdbcType())) {
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

  /**
   * Whether Debezium has no converter for a column of PostgreSQL type {@code typeName} reported as JDBC type
   * {@code jdbcType}: a composite type ({@code STRUCT}), or an {@code OTHER} type not in {@link #DEBEZIUM_OTHER}.
   * Enums are reported as {@code VARCHAR} and domains as {@code DISTINCT} (Debezium reads their base type).
   */
  static boolean unknownToDebezium(final String typeName, final int jdbcType) {
    if (typeName == null) {
      return false;
    }
    if (jdbcType == Types.STRUCT) {
      return true;
    }
    final String type = typeName.toLowerCase(Locale.ROOT).replace("\"", "");
    final String bare = type.contains(".") ? type.substring(type.lastIndexOf('.') + 1) : type;
    return jdbcType == Types.OTHER && !DEBEZIUM_OTHER.contains(bare) && !GEOMETRIC.contains(bare);
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
