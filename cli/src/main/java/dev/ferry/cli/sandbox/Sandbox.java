package dev.ferry.cli.sandbox;

import dev.ferry.cli.DeadLetterExport;
import dev.ferry.cli.FerryConfig;
import dev.ferry.cli.Pipeline;
import dev.ferry.cli.PipelineDrain;
import dev.ferry.cli.Role;
import dev.ferry.cli.StopSignal;
import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.Secrets;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SqlScript;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.processor.mapping.TableMapping;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code ferry sandbox}: the embedded stack with the user's own legacy dump, target schema and mapping
 * instead of Northwind. It prints both databases' JDBC URLs, so the user can look and change things
 * while it syncs; {@code once} syncs until drained and stops, optionally exporting every target table
 * as CSV and every dead letter as a JSON line.
 */
public final class Sandbox {
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(30);
  /** Tries of a write the target refused as not fitting (SQLSTATE class 42) before a run with --once gives up. */
  private static final int BROKEN_TARGET_RETRIES = 5;
  /** How often the streaming sandbox says what moved. */
  private static final int STREAMING_EVERY_SECONDS = 10;

  /**
   * What to run.
   *
   * @param legacyDump the legacy database as pg_dump writes it (plain SQL, COPY blocks welcome)
   * @param targetDdl the new system's schema
   * @param mapping the mapping file (lookups relative to it)
   * @param relations header/detail relations, comma-separated; may be empty
   * @param once sync, wait until drained, stop
   * @param export where to write tables and dead letters, or null
   * @param config the user's Ferry configuration file, or null; its settings apply (with {@code FERRY_*}
   *     overrides from the environment) except where things are, which the embedded stack decides
   */
  public record Options(Path legacyDump, Path targetDdl, Path mapping, String relations, boolean once, Path export,
      Path config) {
    public Options(final Path legacyDump, final Path targetDdl, final Path mapping, final String relations,
        final boolean once, final Path export) {
      this(legacyDump, targetDdl, mapping, relations, once, export, null);
    }
  }

  private final PrintStream out;
  private final Path workDir;

  public Sandbox(final PrintStream out, final Path workDir) {
    this.out = out;
    this.workDir = workDir;
  }

  /** Runs; true when it synced (and exported) as asked. */
  public boolean run(final Options o) throws Exception {
    final ConfigSource base = (o.config() == null ? ConfigSource.empty() : ConfigSource.fromYaml(o.config()))
        .withEnvironment(System.getenv(), FerryConfig.ALL);
    final Path mappingFile = mappingFile(o, base);
    final Mapping mapping = MappingFile.load(mappingFile);
    out.println("Starting the embedded stack ...");
    try (EmbeddedStack stack = EmbeddedStack.start(workDir)) {
      final String name = "sandbox";
      stack.legacy().createDatabase(name + "_legacy");
      stack.target().createDatabase(name + "_target");
      try (Connection legacy = stack.legacy().connect(name + "_legacy");
          Connection target = stack.target().connect(name + "_target")) {
        final int statements = SqlScript.of(o.legacyDump()).run(legacy, out::println);
        out.printf(Locale.ROOT, "Loaded %s into the legacy database (%d statements)%n", o.legacyDump(), statements);
        SqlScript.of(o.targetDdl()).run(target, out::println);
        out.println("Created the target schema from " + o.targetDdl());
      }
      final String tables = base.values().containsKey("legacy.tables") ? base.values().get("legacy.tables").text()
          : mapping.tables().stream().map(TableMapping::sourceTable).collect(Collectors.joining(","));
      final String relations = o.relations() != null && !o.relations().isBlank() ? o.relations()
          : base.values().containsKey("legacy.relations") ? base.values().get("legacy.relations").text() : "";
      // absolute: the configuration written for the commands beside the sandbox names its files
      final Path dir = workDir.toAbsolutePath().resolve(name);
      Files.createDirectories(dir);
      final ConfigSource source = DemoEnvironment.configSource(base, stack, name, name + "_legacy", name + "_target",
          tables, relations, mappingFile, dir)
          // the legacy database here is a throwaway copy: let detail deletes name their header without asking
          .with("connector.replica-identity", "set-full", "sandbox");
      final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), dir);
      DemoEnvironment.sayTakenFromEnvironment(out, source, "");
      out.println("Legacy database : " + stack.legacy().jdbcUrl(name + "_legacy") + "  (user postgres, no password)");
      out.println("Target database : " + stack.target().jdbcUrl(name + "_target") + "  (user postgres, no password)");
      out.println("Kafka           : " + stack.kafka().bootstrapServers() + "   registry: " + stack.registry().url());
      final Path commands = commandsConfig(dir, source);
      out.println("Dead letters    : scripts/ferry dead-letters -c " + commands
          + "   (any time, from another terminal)");
      out.println("Other commands  : scripts/ferry reconcile -c " + commands + " --report " + dir.resolve("report")
          + "   (and audit, status, history, replay, resnapshot with -c " + commands.getFileName() + ")");
      final StopSignal stop = o.once() ? StopSignal.none() : StopSignal.install("ferry-sandbox-stop");
      try (Pipeline pipeline = new Pipeline(config).start()) {
        pipeline.announceOps(out);
        out.println("Syncing " + tables + " ...");
        // with --once, a target that does not fit what the sink writes (a column of another type, a table missing)
        // ends the run: the sink would wait for a fix of the target that no one makes in this run
        final BooleanSupplier giveUp = o.once()
            ? () -> pipeline.sink().brokenTargetRetries() >= BROKEN_TARGET_RETRIES : stop::requested;
        final boolean drained = PipelineDrain.await(pipeline, o.once() ? DRAIN_TIMEOUT : Duration.ofDays(3650),
            () -> true, () -> progress(pipeline), giveUp, out::println);
        if (!drained && o.once() && giveUp.getAsBoolean()) {
          out.println("The target does not fit what the sink writes: " + pipeline.sink().unreadyBecause());
          out.println("Fix the target schema (--target) or the mapping, and run again. Nothing was exported.");
        }
        if (drained) {
          progress(pipeline);
          out.println(o.once() ? "Drained." : "Caught up; changes you make in the legacy database sync as you make them.");
        }
        if (!o.once()) {
          streaming(pipeline, stop);
          return true;
        }
        if (!drained) {
          return false;
        }
        if (o.export() != null) {
          export(o.export(), mapping, config);
        }
        return true;
      } finally {
        stop.done();
      }
    }
  }

  /**
   * Writes the sandbox's whole configuration (the embedded stack's places, the user's settings) for the commands run
   * beside it ({@code dead-letters}, {@code replay}, {@code reconcile}, {@code audit}, {@code status}, {@code history},
   * {@code resnapshot}, {@code check}); returns its path. A secret is left out (it would sit in a file in plain
   * text): such a command takes it as its {@code FERRY_*} variable.
   */
  private static Path commandsConfig(final Path dir, final ConfigSource source) throws java.io.IOException {
    final Path file = dir.resolve("sandbox-ferry.yaml");
    final StringBuilder yaml = new StringBuilder("# the running sandbox's configuration, for the commands you run beside "
        + "it (dead-letters, replay, reconcile, audit, status, history, resnapshot, check); valid while it runs.\n"
        + "# Not for a second connector, processor or sink: the sandbox runs those. Secrets are left out: give them "
        + "as FERRY_* variables.\n");
    new java.util.TreeMap<>(source.values()).forEach((key, value) -> {
      if (!Secrets.isSecretKey(key)) {
        yaml.append(key).append(": \"").append(value.text().replace("\\", "\\\\").replace("\"", "\\\"")
            .replace("\n", "\\n")).append("\"\n");
      }
    });
    Files.writeString(file, yaml.toString());
    return file;
  }

  /** {@code --mapping}, else the configuration's {@code processor.mapping-file} (relative to the file). */
  private static Path mappingFile(final Options o, final ConfigSource base) {
    if (o.mapping() != null) {
      return o.mapping().toAbsolutePath();
    }
    final var named = base.values().get("processor.mapping-file");
    if (named == null || named.text().isBlank()) {
      throw new ConfigException(List.of(new ConfigProblem("processor.mapping-file", null,
          o.config() == null ? null : o.config().toString(),
          "the sandbox needs a mapping: give --mapping, or set processor.mapping-file in the configuration")));
    }
    final Path dir = o.config().toAbsolutePath().getParent();
    return dir.resolve(named.text()).toAbsolutePath();
  }

  /**
   * While the sandbox streams, until asked to stop: a progress line every {@value #STREAMING_EVERY_SECONDS} s in which
   * something moved, none while nothing does ({@link StreamingProgress}).
   */
  private void streaming(final Pipeline pipeline, final StopSignal stop) throws InterruptedException {
    new StreamingProgress(() -> new StreamingProgress.Counts(pipeline.capture().published(),
        pipeline.sink().applied(), Math.max(0, pipeline.sink().lag()), pipeline.sink().parked(),
        pipeline.sink().failed(), pipeline.sink().lastSourceTsMs()), out::println, System::currentTimeMillis)
        .run(stop, Duration.ofSeconds(STREAMING_EVERY_SECONDS));
  }

  private void progress(final Pipeline pipeline) {
    out.printf(Locale.ROOT, "%s | rows applied %,d | parked %,d | dead letters (write) %,d%n",
        pipeline.captureProgress(), pipeline.sink().applied(), pipeline.sink().parked(), pipeline.sink().failed());
  }

  private void export(final Path dir, final Mapping mapping, final FerryConfig config) throws Exception {
    Files.createDirectories(dir);
    try (Connection target = config.sink().connect("ferry-sandbox")) {
      for (final String table : mapping.tables().stream().map(TableMapping::targetTable).distinct().toList()) {
        final Path file = dir.resolve(table + ".csv");
        final long rows = TableExport.write(target, table, config.sink().versionColumn(), file);
        out.printf(Locale.ROOT, "Exported %-24s %,8d rows -> %s%n", table, rows, file);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot export the target tables: " + e.getMessage(), e);
    }
    final var topics = config.sink().kafka().topics(config.sink().kafka().registry());
    final Path letters = dir.resolve("dead-letters.jsonl");
    final long n = DeadLetterExport.write(config.sink().kafka(), topics.deadLetter(), letters);
    out.printf(Locale.ROOT, "Exported %,d dead letters -> %s%n", n, letters);
  }
}
