package dev.ferry.processor.mapping;

/**
 * Which row owns each value of a natural key, for {@code unique} rules: a natural key (a customer's
 * e-mail, an order's external number) may belong to one row only, whatever its primary key. Kept by the
 * stream processor in a state store; one entry per live row and rule.
 */
public interface NaturalKeys {
  /** The primary key (as text) of the row owning {@code value} under rule {@code ruleId} of {@code table}, or null. */
  String owner(String table, String ruleId, String value);

  /** Row {@code key} now owns {@code value}; any value it owned before under this rule is released. */
  void claim(String table, String ruleId, String value, String key);

  /** Row {@code key} is gone: it owns nothing under this rule any more. */
  void release(String table, String ruleId, String key);

  /** For mappings without unique rules, and tests: nothing is ever owned. */
  NaturalKeys NONE = new NaturalKeys() {
    @Override
    public String owner(final String table, final String ruleId, final String value) {
      return null;
    }

    @Override
    public void claim(final String table, final String ruleId, final String value, final String key) {
      // nothing to remember
    }

    @Override
    public void release(final String table, final String ruleId, final String key) {
      // nothing to forget
    }
  };
}
