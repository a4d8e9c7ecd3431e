package dev.ferry.cli;

import dev.ferry.load.DirectInitialLoad;
import dev.ferry.ops.logging.LogSettings;
import dev.ferry.config.Config;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.Setting;
import dev.ferry.connector.ConnectorConfig;
import dev.ferry.connector.InitialLoad;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.connector.SnapshotMode;
import dev.ferry.processor.ProcessorConfig;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.processor.mapping.MappingOptions;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.Relation;
import dev.ferry.sink.SinkConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole configuration of a Ferry deployment: one file (and environment overrides) for all three
 * services. Each process resolves it for the roles it runs; every key of every role is known, so a typo
 * anywhere is reported, but only the running roles' required keys must be set. The mapping file is
 * checked in the same pass, and all problems are reported together before anything starts.
 */
public final class FerryConfig {
  private static final Logger LOG = LoggerFactory.getLogger(FerryConfig.class);
  /** Every setting Ferry knows, in documentation order. */
  public static final List<Setting<?>> ALL;

  static {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    all.addAll(ProcessorConfig.SETTINGS);
    all.addAll(SinkConfig.SETTINGS);
    all.addAll(dev.ferry.schemas.LiveDirection.SETTINGS);
    all.addAll(dev.ferry.cutover.CutoverSettings.SETTINGS);
    all.addAll(dev.ferry.ops.OpsConfig.SETTINGS);
    all.addAll(LogSettings.SETTINGS);
    ALL = List.copyOf(all);
  }

  private final Set<Role> roles;
  private final ConnectorConfig connector;
  private final ProcessorConfig processor;
  private final SinkConfig sink;
  private final Mapping mapping;
  private final Path mappingFile;
  private final Path reverseConfig;
  private final dev.ferry.ops.OpsConfig ops;
  private final LogSettings logging;

  private FerryConfig(final Set<Role> roles, final ConnectorConfig connector, final ProcessorConfig processor,
      final SinkConfig sink, final Mapping mapping, final Path mappingFile, final Path reverseConfig,
      final dev.ferry.ops.OpsConfig ops, final LogSettings logging) {
    this.mapping = mapping;
    this.mappingFile = mappingFile;
    this.ops = ops;
    this.logging = logging;
    this.reverseConfig = reverseConfig;
    this.roles = roles;
    this.connector = connector;
    this.processor = processor;
    this.sink = sink;
  }

  /** Loads {@code file} with the process environment's overrides, for {@code roles}. */
  public static FerryConfig load(final Path file, final Set<Role> roles) {
    return resolve(fileSource(file), roles, file.toAbsolutePath().getParent());
  }

  /**
   * Loads {@code file} for a command that talks to a running connector ({@code ferry resnapshot}) but runs no capture
   * itself: the connector's settings without the mapping its initial load would read (an operator's copy of the file
   * may name a mapping file only the services' machines have).
   */
  public static FerryConfig loadForConnectorCommand(final Path file) {
    return resolve(fileSource(file).with(ConnectorConfig.INITIAL_LOAD.key(), "kafka", "a command that runs no capture"),
        EnumSet.of(Role.CONNECTOR), file.toAbsolutePath().getParent());
  }

  /** {@code file} with the process environment's overrides. */
  private static ConfigSource fileSource(final Path file) {
    return ConfigSource.fromYaml(file).withEnvironment(System.getenv(), ALL);
  }

  /**
   * Resolves {@code source} for {@code roles}; a relative mapping file is taken relative to
   * {@code baseDir}.
   *
   * @throws ConfigException listing every problem in the configuration and the mapping
   */
  public static FerryConfig resolve(final ConfigSource source, final Set<Role> roles, final Path baseDir) {
    final Set<String> notRequired = new HashSet<>();
    if (!roles.contains(Role.CONNECTOR)) {
      ConnectorConfig.SETTINGS.forEach(s -> notRequired.add(s.key()));
    }
    if (!roles.contains(Role.PROCESSOR)) {
      ProcessorConfig.SETTINGS.forEach(s -> notRequired.add(s.key()));
    }
    if (!roles.contains(Role.SINK)) {
      SinkConfig.SETTINGS.forEach(s -> notRequired.add(s.key()));
    }
    final List<ConfigProblem> problems = new ArrayList<>();
    Config config = null;
    try {
      config = Config.resolve(source, ALL, notRequired, List.of(ConnectorConfig.PASS_THROUGH_PREFIX,
          KafkaSettings.CLIENT_PREFIX));
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    Mapping mapping = null;
    Path mappingPath = null;
    // a direct initial load maps the rows in the connector, so the connector reads the mapping too (with auto, the
    // default, as well: the mapping decides)
    final String load = text(source, ConnectorConfig.INITIAL_LOAD);
    final boolean mayLoadDirectly = roles.contains(Role.CONNECTOR) && !"kafka".equalsIgnoreCase(load)
        && !"no-data".equalsIgnoreCase(text(source, ConnectorConfig.SNAPSHOT_MODE));
    if (roles.contains(Role.PROCESSOR) || mayLoadDirectly) {
      final String file = source.values().containsKey(ProcessorConfig.MAPPING_FILE.key())
          ? source.values().get(ProcessorConfig.MAPPING_FILE.key()).text() : null;
      if (file != null && !file.isBlank()) {
        try {
          final Path path = baseDir == null ? Path.of(file) : baseDir.resolve(file);
          mappingPath = path;
          final boolean protect = "protect".equalsIgnoreCase(text(source, ProcessorConfig.PII));
          mapping = MappingFile.load(path, new MappingOptions(path.toAbsolutePath().getParent(), protect,
              text(source, ProcessorConfig.PSEUDONYMIZATION_KEY)));
        } catch (ConfigException e) {
          problems.addAll(e.problems());
        }
      }
    }
    final List<String> unique = mapping == null ? List.of() : uniqueRules(mapping);
    if (config != null) {
      problems.addAll(relationProblems(config, mapping, roles));
      problems.addAll(appendOnlyProblems(config, unique));
    }
    if (mayLoadDirectly && problems.isEmpty()) {
      problems.addAll(directLoadProblems(mapping, unique, "direct".equalsIgnoreCase(load)));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    final Map<String, String> passThrough = config.passThrough(ConnectorConfig.PASS_THROUGH_PREFIX);
    // the connector and the processor decide "auto" alike, from the same mapping file
    final InitialLoad initialLoad = config.get(ConnectorConfig.INITIAL_LOAD).decide(!unique.isEmpty());
    return new FerryConfig(EnumSet.copyOf(roles),
        roles.contains(Role.CONNECTOR) ? ConnectorConfig.from(config, passThrough, initialLoad) : null,
        roles.contains(Role.PROCESSOR) ? ProcessorConfig.from(config, mapping,
            config.get(ConnectorConfig.SNAPSHOT_MODE) != SnapshotMode.NO_DATA && initialLoad != InitialLoad.DIRECT)
            : null,
        roles.contains(Role.SINK) ? SinkConfig.from(config) : null, mapping, mappingPath,
        reverseConfig(config.get(dev.ferry.cutover.CutoverSettings.REVERSE_CONFIG), baseDir),
        dev.ferry.ops.OpsConfig.from(config), LogSettings.from(config));
  }

  private static Path reverseConfig(final String file, final Path baseDir) {
    return file.isEmpty() ? null : baseDir == null ? Path.of(file) : baseDir.resolve(file);
  }

  private static String text(final ConfigSource source, final Setting<?> setting) {
    final var raw = source.values().get(setting.key());
    return raw == null ? "" : raw.text().trim();
  }

  /**
   * A direct initial load needs the mapping, and cannot keep unique rules: which row owns a natural key is the
   * processor's state, which a load outside it would not fill ({@code unique}: the mapping's). {@code auto} (not
   * {@code explicit}) loads through Kafka then instead.
   */
  private static List<ConfigProblem> directLoadProblems(final Mapping mapping, final List<String> unique,
      final boolean explicit) {
    if (mapping == null) {
      return List.of(new ConfigProblem(ProcessorConfig.MAPPING_FILE.key(), "", null, "required by the connector's "
          + "initial load (connector.initial-load " + (explicit ? "direct" : "auto, the default, loads directly where "
          + "the mapping allows") + "): the connector maps the rows it loads; set it to the processor's mapping "
          + "file, or set connector.initial-load to kafka (Debezium's snapshot through the processor)"));
    }
    return unique.isEmpty() || !explicit ? List.of() : List.of(new ConfigProblem(ConnectorConfig.INITIAL_LOAD.key(),
        "direct", null, "the mapping has unique rules, " + String.join(", ", unique) + ", whose owners the "
            + "processor keeps; a direct load would not tell it of the rows it loads. Set connector.initial-load to "
            + "kafka or auto"));
  }

  /**
   * An append-only table ({@code legacy.append-only}) must be captured, cannot be a header or a detail (its rows have
   * no key a relation could name), and is loaded directly: its rows are keyed by the read that loads them, which
   * Debezium's snapshot, restarted, would read again under other names ({@link dev.ferry.schemas.LegacyPosition}).
   */
  private static List<ConfigProblem> appendOnlyProblems(final Config config, final List<String> unique) {
    final List<ConfigProblem> out = new ArrayList<>();
    final List<String> appendOnly = config.get(ConnectorConfig.APPEND_ONLY);
    final String key = ConnectorConfig.APPEND_ONLY.key();
    for (final String table : appendOnly) {
      if (!config.get(ConnectorConfig.TABLES).contains(table)) {
        out.add(new ConfigProblem(key, table, null, table + " is not in legacy.tables, so it is not captured"));
      }
      for (final Relation r : config.get(KafkaSettings.RELATIONS)) {
        if (r.child().equals(table) || r.parent().equals(table)) {
          out.add(new ConfigProblem(key, table, null, table + " is in legacy.relations (" + r + "): an append-only "
              + "table's rows have no key a header/detail relation could name; take it out of one of them"));
        }
      }
    }
    final InitialLoad load = config.get(ConnectorConfig.INITIAL_LOAD).decide(!unique.isEmpty());
    if (!appendOnly.isEmpty() && config.get(ConnectorConfig.SNAPSHOT_MODE) != SnapshotMode.NO_DATA
        && load != InitialLoad.DIRECT) {
      out.add(new ConfigProblem(ConnectorConfig.INITIAL_LOAD.key(), config.get(ConnectorConfig.INITIAL_LOAD).name()
          .toLowerCase(java.util.Locale.ROOT), null, "append-only tables (legacy.append-only: " + String.join(", ",
          appendOnly) + ") are loaded directly, keyed by the read that loads them; Debezium's snapshot (kafka"
          + (unique.isEmpty() ? "" : ", which auto takes for the unique rules " + String.join(", ", unique))
          + ") would key them again under other names when it restarts. Set connector.initial-load to direct"
          + (unique.isEmpty() ? "" : " (without unique rules)")));
    }
    return out;
  }

  /** The mapping's {@code unique} rules, as {@code table (rule)}. */
  private static List<String> uniqueRules(final Mapping mapping) {
    final List<String> unique = new ArrayList<>();
    mapping.tables().forEach(t -> t.rules().stream().filter(r -> !r.unique().isEmpty())
        .forEach(r -> unique.add(t.sourceTable() + " (" + r.id() + ")")));
    return unique;
  }

  /**
   * How the connector's initial load (a first start, a re-created slot) brings the existing rows, and why, for the
   * connector's log and {@code ferry check}.
   */
  public String initialLoad() {
    if (connector == null) {
      return "no connector in this process";
    }
    if (connector.snapshotMode() == SnapshotMode.NO_DATA) {
      return "no initial load (connector.snapshot-mode no-data)";
    }
    if (connector.loadsDirectly()) {
      return "initial load direct: the connector reads the tables and maps them itself, straight to the apply topic";
    }
    final List<String> unique = mapping == null ? List.of() : uniqueRules(mapping);
    return "initial load kafka: Debezium's snapshot through the CDC topics and the processor" + (unique.isEmpty() ? ""
        : " (the mapping has unique rules, " + String.join(", ", unique) + ", which a direct load cannot keep)");
  }

  /**
   * The capture this configuration describes, given the direct initial load where {@code connector.initial-load}
   * asks for one (it needs the mapping, which the connector module does not know).
   */
  public LegacyCapture newCapture() {
    final LegacyCapture capture = new LegacyCapture(connector);
    LOG.info("capture {}: {}", connector.name(), initialLoad());
    return connector.loadsDirectly() ? capture.loadingWith(new DirectInitialLoad(connector, mapping,
        new dev.ferry.processor.MappingCounts(connector.name() + "-initial-load"))) : capture;
  }

  /**
   * Relations must name captured and mapped tables, and a table is either a header or a detail:
   * Ferry orders one level of header/detail.
   */
  private static List<ConfigProblem> relationProblems(final Config config, final Mapping mapping,
      final Set<Role> roles) {
    final List<ConfigProblem> out = new ArrayList<>();
    final List<Relation> relations = config.get(KafkaSettings.RELATIONS);
    final Set<String> children = new HashSet<>();
    final Set<String> parents = new HashSet<>();
    relations.forEach(r -> {
      children.add(r.child());
      parents.add(r.parent());
    });
    for (final Relation r : relations) {
      if (parents.contains(r.child()) || children.stream().filter(r.child()::equals).count() > 1) {
        out.add(new ConfigProblem(KafkaSettings.RELATIONS.key(), r.toString(), null, r.child()
            + " is a detail of more than one header, or a header itself; Ferry orders one level of header/detail"));
      }
      for (final String table : List.of(r.child(), r.parent())) {
        if (roles.contains(Role.CONNECTOR) && !config.get(ConnectorConfig.TABLES).contains(table)) {
          out.add(new ConfigProblem(KafkaSettings.RELATIONS.key(), r.toString(), null,
              table + " is not in legacy.tables, so it is not captured"));
        }
        if (mapping != null && mapping.forSource(table).isEmpty()) {
          out.add(new ConfigProblem(KafkaSettings.RELATIONS.key(), r.toString(), null,
              table + " is not mapped in the mapping file"));
        }
      }
    }
    return out;
  }

  /**
   * Checks the mapping against the legacy and target databases when this configuration names both
   * (see {@link MappingSchemaCheck}).
   *
   * @return false when it does not name both, and nothing was checked
   * @throws ConfigException listing every problem
   */
  public boolean checkAgainstDatabases() {
    return DatabaseCheck.run(this);
  }

  public Set<Role> roles() {
    return roles;
  }

  /** The connector's configuration; null when this process does not run the connector. */
  public ConnectorConfig connector() {
    return connector;
  }

  /** The processor's configuration; null when this process does not run the processor. */
  public ProcessorConfig processor() {
    return processor;
  }

  /** The mapping file as configured; null when this process does not run the processor. */
  public Path mappingFile() {
    return mappingFile;
  }

  /** Where each service answers operators (metrics, health, status page). */
  public dev.ferry.ops.OpsConfig ops() {
    return ops;
  }

  /** How the services log ({@code logging.*}). */
  public LogSettings logging() {
    return logging;
  }

  /** The reverse direction's configuration file ({@code cutover.reverse-config}); null when none is set. */
  public Path reverseConfig() {
    return reverseConfig;
  }

  /** The sink's configuration; null when this process does not run the sink. */
  public SinkConfig sink() {
    return sink;
  }
}
