package dev.ferry.cli.demo;

import dev.ferry.cli.FerryConfig;
import dev.ferry.cli.Role;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.RawValue;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
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
    return create(stack, workDir, name, ConfigSource.empty());
  }

  /**
   * The same, on {@code base}: settings a user gives the demo (its {@code FERRY_*} variables, {@link #environment}),
   * under the embedded stack's own, which say where everything is.
   */
  public static DemoEnvironment create(final EmbeddedStack stack, final Path workDir, final String name,
      final ConfigSource base) {
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
    final ConfigSource source = configSource(base, stack, name, legacyDb, targetDb,
        Northwind.LEGACY_TABLES.stream().map(t -> "public." + t).collect(Collectors.joining(",")),
        Northwind.RELATIONS, mapping, dir);
    final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), dir);
    return new DemoEnvironment(stack, name, legacyDb, targetDb, source, config);
  }

  /**
   * The {@code FERRY_*} variables of this process's environment as a configuration, for the demo and a sandbox run
   * without a file: tuning a user sets (a batch size, an initial load) applies there as it does to the services;
   * what says where things are is the embedded stack's ({@link #configSource}).
   */
  public static ConfigSource environment() {
    return ConfigSource.empty().withEnvironment(System.getenv(), FerryConfig.ALL);
  }

  /**
   * Says on {@code out} which environment variables {@code source} took a value from and kept (not replaced by the
   * embedded stack's), sorted, followed by {@code after}; nothing when none: so that a variable set in the shell never
   * applies unannounced.
   */
  public static void sayTakenFromEnvironment(final java.io.PrintStream out, final ConfigSource source,
      final String after) {
    final List<String> taken = source.values().values().stream().map(RawValue::origin)
        .filter(o -> o.startsWith("env ")).map(o -> o.substring(4)).sorted().toList();
    if (!taken.isEmpty()) {
      out.println("From the environment: " + String.join(", ", taken) + after);
    }
  }

  /**
   * The Ferry configuration of a pipeline on {@code stack}: names derived from {@code name}, state
   * under {@code dir}.
   *
   * @param tables captured legacy tables, comma-separated {@code schema.table}
   * @param relations header/detail relations, comma-separated; may be empty
   */
  public static ConfigSource configSource(final EmbeddedStack stack, final String name, final String legacyDb,
      final String targetDb, final String tables, final String relations, final Path mapping, final Path dir) {
    return configSource(ConfigSource.empty(), stack, name, legacyDb, targetDb, tables, relations, mapping, dir);
  }

  /**
   * {@code base} (a user's own configuration) with everything that says where things are replaced by the
   * stack's: Kafka, registry, both databases with their users and passwords, names, state and offsets. Its
   * other settings (relations, tuning, timeouts) stay.
   */
  public static ConfigSource configSource(final ConfigSource base, final EmbeddedStack stack, final String name,
      final String legacyDb, final String targetDb, final String tables, final String relations, final Path mapping,
      final Path dir) {
    ConfigSource source = base
        .with("legacy.password", "", "embedded")
        .with("target.password", "", "embedded")
        .with("connector.offset-topic", "", "embedded")
        .with("kafka.bootstrap-servers", stack.kafka().bootstrapServers(), "embedded")
        .with("registry.url", stack.registry().url(), "embedded")
        .with("topics.prefix", name, "embedded")
        .with("legacy.host", stack.legacy().host(), "embedded")
        .with("legacy.port", String.valueOf(stack.legacy().port()), "embedded")
        .with("legacy.database", legacyDb, "embedded")
        .with("legacy.user", EmbeddedDatabase.USER, "embedded")
        .with("legacy.tables", tables, "embedded")
        .with("connector.name", name, "embedded")
        .with("connector.slot-name", name, "embedded")
        .with("connector.publication-name", name, "embedded")
        .with("connector.offset-file", dir.resolve("connector-offsets.dat").toString(), "embedded")
        .with("processor.application-id", name + "-processor", "embedded")
        .with("processor.state-dir", dir.resolve("streams").toString(), "embedded")
        .with("processor.mapping-file", mapping.toString(), "embedded")
        .with("target.jdbc-url", stack.target().jdbcUrl(targetDb), "embedded")
        .with("target.user", EmbeddedDatabase.USER, "embedded")
        .with("sink.group-id", name + "-sink", "embedded")
        .with("cutover.control-topic", name + "-control", "embedded")
        .with("ops.port", "0", "embedded")
        .with("ops.bind-address", "127.0.0.1", "embedded");
    if (!relations.isBlank()) {
      source = source.with("legacy.relations", relations, "embedded");
    }
    return source;
  }

  /**
   * This environment's sync as the forward direction of a cutover: its sink marks its writes (so that the reverse
   * capture leaves them out), and its capture confirms its position every second while the legacy database is quiet
   * (the cutover's drain waits for it to pass the freeze position, which a quiet database does at a heartbeat).
   */
  public ConfigSource cutoverSource() {
    return source.with("sink.mark-writes", "true", "embedded").with("connector.heartbeat-interval", "1s", "embedded");
  }

  /**
   * The reverse direction of this environment's sync (the new system back into the legacy one), with {@code mapping}
   * as its mapping and {@code dir} for its state: it captures the new system's database from its slot's position
   * (no snapshot), its sink marks its writes, and it shares the forward direction's control topic. The forward
   * direction needs {@code sink.mark-writes: true} as well.
   */
  public ConfigSource reverseSource(final Path mapping, final Path dir) {
    // the user's own settings (a tuning, say) apply to this direction too; the embedded ones are this direction's own
    ConfigSource user = ConfigSource.empty();
    for (final var e : source.values().entrySet()) {
      if (!"embedded".equals(e.getValue().origin())) {
        user = user.with(e.getKey(), e.getValue().text(), e.getValue().origin());
      }
    }
    return configSource(user
            .with("connector.snapshot-mode", "no-data", "embedded")
            .with("sink.mark-writes", "true", "embedded")
            .with("cutover.direction", "reverse", "embedded")
            // as cutoverSource: the new system's database is quiet until the flip
            .with("connector.heartbeat-interval", "1s", "embedded"), stack, name + "_back", targetDatabase,
            legacyDatabase, Northwind.NEW_TABLES, Northwind.NEW_RELATIONS, mapping, dir)
        .with("legacy.host", stack.target().host(), "embedded")
        .with("legacy.port", String.valueOf(stack.target().port()), "embedded")
        .with("target.jdbc-url", stack.legacy().jdbcUrl(legacyDatabase), "embedded")
        .with("cutover.control-topic", name + "-control", "embedded");
  }

  public Connection legacy() throws SQLException {
    return stack.legacy().connect(legacyDatabase);
  }

  public Connection target() throws SQLException {
    return stack.target().connect(targetDatabase);
  }
}
