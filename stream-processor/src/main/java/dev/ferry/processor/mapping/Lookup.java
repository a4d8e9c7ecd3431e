package dev.ferry.processor.mapping;

import java.util.Map;

/**
 * A table of source codes to target codes, e.g. country names to ISO codes.
 *
 * @param name how fields and rules refer to it
 * @param values source code -> target code
 * @param origin where it was defined, for messages
 */
public record Lookup(String name, Map<String, String> values, String origin) {
  public Lookup {
    values = Map.copyOf(values);
  }
}
