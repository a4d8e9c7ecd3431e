package dev.ferry.processor.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StagedNaturalKeysTest {
  /** The store as a map of table|rule|value to owner. */
  private final Map<String, String> owners = new HashMap<>();
  private final NaturalKeys store = new NaturalKeys() {
    @Override
    public String owner(final String table, final String ruleId, final String value) {
      return owners.get(table + "|" + ruleId + "|" + value);
    }

    @Override
    public void claim(final String table, final String ruleId, final String value, final String key) {
      release(table, ruleId, key);
      owners.put(table + "|" + ruleId + "|" + value, key);
    }

    @Override
    public void release(final String table, final String ruleId, final String key) {
      owners.values().removeIf(key::equals);
    }
  };

  @Test
  void aGroupSeesItsOwnClaimsAndTheStoreOnlyAfterCommit() {
    store.claim("customer", "email", "a@x", "ALFKI");
    final StagedNaturalKeys group = new StagedNaturalKeys(store);
    group.claim("customer", "email", "b@x", "ALFKI");
    assertThat(group.owner("customer", "email", "b@x")).isEqualTo("ALFKI");
    assertThat(group.owner("customer", "email", "a@x")).as("ALFKI moved to b@x").isNull();
    assertThat(store.owner("customer", "email", "b@x")).as("not in the store before commit").isNull();
    assertThat(store.owner("customer", "email", "a@x")).isEqualTo("ALFKI");
    group.commit();
    assertThat(store.owner("customer", "email", "b@x")).isEqualTo("ALFKI");
    assertThat(store.owner("customer", "email", "a@x")).isNull();
  }

  @Test
  void aGroupRefusedWholeLeavesTheStoreAsItWas() {
    final StagedNaturalKeys group = new StagedNaturalKeys(store);
    group.claim("customer", "email", "c@x", "BLAUS");
    group.release("customer", "email", "BLAUS");
    assertThat(group.owner("customer", "email", "c@x")).isNull();
    assertThat(owners).isEmpty();
  }
}
