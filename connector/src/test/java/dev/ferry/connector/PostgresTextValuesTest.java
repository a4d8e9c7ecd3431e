package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.geometric.PGpoint;
import org.postgresql.util.PGobject;

class PostgresTextValuesTest {
  @Test
  void arraysGeometricTypesAndLongerBitStringsAreCapturedAsText() {
    assertThat(PostgresTextValues.asText("_int4", -1)).isTrue();
    assertThat(PostgresTextValues.asText("_text", -1)).isTrue();
    assertThat(PostgresTextValues.asText("\"public\".\"_mood\"", -1)).isTrue();
    assertThat(PostgresTextValues.asText("point", -1)).isTrue();
    assertThat(PostgresTextValues.asText("polygon", -1)).isTrue();
    assertThat(PostgresTextValues.asText("bit", 4)).isTrue();
    assertThat(PostgresTextValues.asText("varbit", -1)).isTrue();
  }

  @Test
  void everythingElseKeepsDebeziumsType() {
    assertThat(PostgresTextValues.asText("bit", 1)).as("bit(1) stays a boolean").isFalse();
    assertThat(PostgresTextValues.asText("text", -1)).isFalse();
    assertThat(PostgresTextValues.asText("int4", -1)).isFalse();
    assertThat(PostgresTextValues.asText("mood", -1)).isFalse();
    assertThat(PostgresTextValues.asText("jsonb", -1)).isFalse();
    assertThat(PostgresTextValues.asText(null, -1)).isFalse();
  }

  @Test
  void typesDebeziumHasNoConverterForAreCapturedAsText() {
    assertThat(PostgresTextValues.unknownToDebezium("address", Types.STRUCT)).as("a composite type").isTrue();
    assertThat(PostgresTextValues.unknownToDebezium("\"public\".\"address\"", Types.STRUCT)).isTrue();
    assertThat(PostgresTextValues.unknownToDebezium("pg_lsn", Types.OTHER)).isTrue();
    assertThat(PostgresTextValues.unknownToDebezium("tsquery", Types.OTHER)).isTrue();
    assertThat(PostgresTextValues.unknownToDebezium("regclass", Types.OTHER)).isTrue();
    assertThat(PostgresTextValues.unknownToDebezium("tid", Types.OTHER)).isTrue();
  }

  @Test
  void typesDebeziumConvertsKeepItsConversion() {
    assertThat(PostgresTextValues.unknownToDebezium("interval", Types.OTHER)).as("ISO-8601 text").isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("hstore", Types.OTHER)).as("JSON").isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("JSONB", Types.OTHER)).isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("uuid", Types.OTHER)).isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("mood", Types.VARCHAR)).as("an enum").isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("posint", Types.DISTINCT)).as("a domain").isFalse();
    assertThat(PostgresTextValues.unknownToDebezium("int4", Types.INTEGER)).isFalse();
    assertThat(PostgresTextValues.unknownToDebezium(null, Types.OTHER)).isFalse();
  }

  @Test
  void theTextIsPostgresqlsOwn() throws Exception {
    assertThat(PostgresTextValues.text(null)).isNull();
    assertThat(PostgresTextValues.text("{\"a, b\",NULL}")).isEqualTo("{\"a, b\",NULL}");
    assertThat(PostgresTextValues.text(new PGpoint(1.5, -2))).isEqualTo("(1.5,-2.0)");
    final PGobject bits = new PGobject();
    bits.setType("bit");
    bits.setValue("0010");
    assertThat(PostgresTextValues.text(bits)).isEqualTo("0010");
  }

  @Test
  void anUnchangedToastedValueBecomesThePlaceholderTheConverterLeavesOut() {
    assertThat(PostgresTextValues.text(UnchangedToastedReplicationMessageColumn.UNCHANGED_TOAST_VALUE))
        .isEqualTo(ChangeEventConverter.UNAVAILABLE);
    assertThat(PostgresTextValues.text(UnchangedToastedReplicationMessageColumn.UNCHANGED_TEXT_ARRAY_TOAST_VALUE))
        .isEqualTo(ChangeEventConverter.UNAVAILABLE);
    assertThat(PostgresTextValues.text(List.of(ChangeEventConverter.UNAVAILABLE)))
        .isEqualTo(ChangeEventConverter.UNAVAILABLE);
  }
}
