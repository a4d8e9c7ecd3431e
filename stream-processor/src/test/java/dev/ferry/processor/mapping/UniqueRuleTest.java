package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.ApplyOp;
import dev.ferry.schemas.ChangeEvent;
import dev.ferry.schemas.ChangeOp;
import dev.ferry.schemas.ColumnValue;
import dev.ferry.schemas.Columns;
import dev.ferry.schemas.SourcePosition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A natural key belongs to one row; it moves when its owner changes it, and is freed when the owner goes. */
class UniqueRuleTest {
  private static final String MAPPING = """
      tables:
        - source: public.customers
          target: customer
          fields:
            code: customer_id
            email: {from: email, type: text, trim: true}
          rules:
            - {id: email-unique, field: email, unique: true}
      """;

  /** In memory, as the processor's store keeps it. */
  static final class MapKeys implements NaturalKeys {
    final Map<String, String> owners = new HashMap<>();
    final Map<String, String> owned = new HashMap<>();

    @Override
    public String owner(final String table, final String ruleId, final String value) {
      return owners.get(table + ruleId + value);
    }

    @Override
    public void claim(final String table, final String ruleId, final String value, final String key) {
      final String previous = owned.put(table + ruleId + key, value);
      if (previous != null) {
        owners.remove(table + ruleId + previous);
      }
      owners.put(table + ruleId + value, key);
    }

    @Override
    public void release(final String table, final String ruleId, final String key) {
      final String previous = owned.remove(table + ruleId + key);
      if (previous != null) {
        owners.remove(table + ruleId + previous);
      }
    }
  }

  private final RowMapper mapper = new RowMapper(MappingFile.parse(MAPPING, "m.yaml"));
  private final MapKeys keys = new MapKeys();

  private RowMapper.Mapped customer(final ChangeOp op, final String id, final String email) {
    final List<ColumnValue> key = List.of(Columns.of("customer_id", id));
    return mapper.map(ChangeEvent.newBuilder().setOp(op)
        .setSource(SourcePosition.newBuilder().setDatabase("d").setSchema$("public").setTable("customers").setLsn(1L)
            .setSnapshot(false).setTsMs(0L).build())
        .setKey(key).setAfter(op == ChangeOp.DELETE ? null
            : List.of(Columns.of("customer_id", id), Columns.of("email", email)))
        .build(), keys, 1L);
  }

  @Test
  void aSecondRowWithTheSameNaturalKeyIsRefusedUntilTheFirstGivesItUp() {
    assertThat(customer(ChangeOp.CREATE, "ALFKI", "maria@example.com").errors()).isEmpty();
    final var duplicate = customer(ChangeOp.CREATE, "ANATR", " maria@example.com ");
    assertThat(duplicate.record()).isNull();
    assertThat(duplicate.errors()).singleElement().satisfies(e -> {
      assertThat(e.getRule()).isEqualTo("email-unique");
      assertThat(e.getValue()).isEqualTo("maria@example.com");
      assertThat(e.getMessage()).isEqualTo("email 'maria@example.com' already belongs to the row with key ALFKI");
    });
    assertThat(customer(ChangeOp.UPDATE, "ALFKI", "maria.anders@example.com").errors()).isEmpty();
    assertThat(customer(ChangeOp.CREATE, "ANATR", "maria@example.com").errors()).isEmpty();
    assertThat(customer(ChangeOp.CREATE, "BERGS", "maria.anders@example.com").errors()).isNotEmpty();
    assertThat(customer(ChangeOp.DELETE, "ALFKI", null).record().getOp()).isEqualTo(ApplyOp.DELETE);
    assertThat(customer(ChangeOp.CREATE, "BERGS", "maria.anders@example.com").errors()).isEmpty();
  }
}
