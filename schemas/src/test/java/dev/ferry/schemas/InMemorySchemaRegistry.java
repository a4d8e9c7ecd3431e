package dev.ferry.schemas;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;

/**
 * A schema registry in memory, for unit and topology tests only; integration tests use the real
 * registry. Same contract as the real one: one id per distinct schema, stable across subjects.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final List<Schema> schemas = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();

  @Override
  public synchronized int register(final String subject, final Schema schema) {
    return ids.computeIfAbsent(schema.toString(), s -> {
      schemas.add(schema);
      return schemas.size();
    });
  }

  @Override
  public Schema byId(final int id) {
    if (id < 1 || id > schemas.size()) {
      throw new RegistryException("unknown schema id " + id, 404);
    }
    return schemas.get(id - 1);
  }
}
