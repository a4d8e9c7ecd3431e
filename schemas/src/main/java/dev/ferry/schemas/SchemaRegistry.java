package dev.ferry.schemas;

import org.apache.avro.Schema;

/**
 * The two calls Ferry needs from a schema registry. Implemented over the Confluent REST API by
 * {@link ConfluentRegistryClient}, which Confluent Schema Registry, Apicurio (ccompat), Redpanda and
 * Karapace all speak.
 */
public interface SchemaRegistry {

  /**
   * Registers {@code schema} under {@code subject} (idempotent: an identical schema returns its
   * existing id) and returns its global id.
   *
   * @throws RegistryException when the registry refuses or cannot be reached
   */
  int register(String subject, Schema schema);

  /**
   * The schema with global id {@code id}.
   *
   * @throws RegistryException when unknown or the registry cannot be reached
   */
  Schema byId(int id);
}
