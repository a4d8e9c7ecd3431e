package dev.ferry.cli.demo;

import dev.ferry.cli.FerryConfig;
import dev.ferry.cli.Role;
import dev.ferry.config.ConfigSource;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.stream.Collectors;

/**
 * A complete Northwind setup on an embedded stack: a legacy database loaded with the sample, an empty
 * target database with the new system's schema, the mapping, and the Ferry configuration pointing at
 * them. Every name (databases, slot, topics, groups) carries {@code name}, so many environments can
 * share one stack, as the integration tests do.
 *
 * @param stack the stack it lives on
 * @param name unique name of this environment
 * @param legacyDatabase legacy database name on {@code stack.legacy()}
 * @param targetDatabase target database name on {@code stack.target()}
 * @param source the Ferry configuration as a source (for variations in tests)
 * @param config the resolved Ferry configuration, all roles
 */
public record DemoEnvironment(EmbeddedStack stack, String name, String legacyDatabase, String targetDatabase,
    ConfigSource source, FerryConfig config) {

  /** Creates databases, loads Northwind and writes the mapping under {@code workDir}. */
  public static DemoEnvironment create(final EmbeddedStack stack, final Path workDir, final String name) {
    final String legacyDb = name + "_legacy";
    final String targetDb = name + "_target";
    stack.legacy().createDatabase(legacyDb);
    stack.target().createDatabase(targetDb);
    try (Connection legacy = stack.legacy().connect(legacyDb); Connection target = stack.target().connect(targetDb)) {
      Northwind.loadLegacy(legacy);
      Northwind.createTarget(target);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the Northwind databases: " + e.getMessage(), e);
    }
    final Path dir = workDir.resolve(name);
    final Path mapping = dir.resolve("mapping.yaml");
    try {
      Files.createDirectories(dir);
      Files.writeString(mapping, Northwind.mapping());
      Files.writeString(dir.resolve("countries.csv"), Northwind.resource("northwind/countries.csv"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    final ConfigSource source = ConfigSource.empty()
        .with("kafka.bootstrap-servers", stack.kafka().bootstrapServers(), "demo")
        .with("registry.url", stack.registry().url(), "demo")
        .with("topics.prefix", name, "demo")
        .with("legacy.host", stack.legacy().host(), "demo")
        .with("legacy.port", String.valueOf(stack.legacy().port()), "demo")
        .with("legacy.database", legacyDb, "demo")
        .with("legacy.user", EmbeddedDatabase.USER, "demo")
        .with("legacy.tables", Northwind.LEGACY_TABLES.stream().map(t -> "public." + t)
            .collect(Collectors.joining(",")), "demo")
        .with("legacy.relations", Northwind.RELATIONS, "demo")
        .with("connector.name", name, "demo")
        .with("connector.slot-name", name, "demo")
        .with("connector.publication-name", name, "demo")
        .with("connector.offset-file", dir.resolve("connector-offsets.dat").toString(), "demo")
        .with("processor.application-id", name + "-processor", "demo")
        .with("processor.state-dir", dir.resolve("streams").toString(), "demo")
        .with("processor.mapping-file", mapping.toString(), "demo")
        .with("target.jdbc-url", stack.target().jdbcUrl(targetDb), "demo")
        .with("target.user", EmbeddedDatabase.USER, "demo")
        .with("sink.group-id", name + "-sink", "demo");
    final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), dir);
    return new DemoEnvironment(stack, name, legacyDb, targetDb, source, config);
  }

  public Connection legacy() throws SQLException {
    return stack.legacy().connect(legacyDatabase);
  }

  public Connection target() throws SQLException {
    return stack.target().connect(targetDatabase);
  }
}
