package dev.ferry.cli;

import dev.ferry.cli.demo.NorthwindDemo;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.cutover.Cutover;
import dev.ferry.cutover.SyncInFlight;
import dev.ferry.connector.Resnapshot;
import dev.ferry.history.RunHistory;
import dev.ferry.processor.StreamProcessor;
import dev.ferry.reconcile.ReconcileReport;
import dev.ferry.reconcile.ChangesInFlight;
import dev.ferry.reconcile.Reconciliation;
import dev.ferry.schemas.KafkaReachability;
import dev.ferry.sink.DeadLetterReplay;
import dev.ferry.sink.SinkConfig;
import dev.ferry.sink.TargetSink;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** The {@code ferry} command. */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0", scope = CommandLine.ScopeType.INHERIT,
    description = "Keeps a new system's database in step with a legacy one.",
    subcommands = {Ferry.Demo.class, Ferry.SandboxCommand.class, Ferry.Connector.class, Ferry.Processor.class, Ferry.Sink.class,
        Ferry.Replay.class, Ferry.ResnapshotCommand.class, Ferry.DeadLettersCommand.class, AuditCommand.class, Ferry.ReconcileCommand.class, HistoryCommand.class, MappingCommand.class, CutoverCommand.class, SequencesCommand.class, StatusCommand.class, Ferry.Check.class, Ferry.ConfigDocsCommand.class})
public final class Ferry implements Callable<Integer> {

  public static void main(final String[] args) {
    if (args.length > 0 && ("demo".equals(args[0]) || "sandbox".equals(args[0]))) {
      dev.ferry.cli.demo.QuietTerminal.apply();
    }
    HeapPeak.install();
    System.exit(new CommandLine(new Ferry()).setExecutionExceptionHandler((e, cmd, parsed) ->
        CommandFailure.handle(e, cmd.getErr())).execute(args));
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  @Command(name = "demo", description = "Run the whole pipeline on an embedded stack with Northwind as the "
      + "legacy system.")
  static final class Demo implements Callable<Integer> {
    @Option(names = "--once", description = "Initial sync plus a fixed live workload, wait until the target "
        + "caught up, print row counts; exit 0 only if they match.")
    boolean once;

    @Option(names = "--cutover", description = "The cutover story, start to end: forward sync under a live workload, "
        + "ferry cutover, the new system's application writing, a rollback, the legacy application again; exit 0 only "
        + "if both databases match through the mappings and no write echoed. Runs once (--once or not).")
    boolean cutover;

    @Option(names = "--work-dir", description = "Where the embedded stack keeps its files (default: a new "
        + "temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
      final Path dir = workDir != null ? workDir : Files.createTempDirectory("ferry-demo-");
      if (cutover) {
        return new dev.ferry.cli.demo.CutoverDemo(System.out, dir, dev.ferry.cli.demo.DemoEnvironment.environment())
            .run() ? 0 : 1;
      }
      return new NorthwindDemo(System.out, dir).run(once) ? 0 : 1;
    }
  }

  @Command(name = "sandbox", description = "Run the whole pipeline on an embedded stack with your own legacy dump, "
      + "target schema and mapping; prints both databases' JDBC URLs.")
  static final class SandboxCommand implements Callable<Integer> {
    @Option(names = "--legacy", required = true, description = "Legacy database dump (plain SQL as pg_dump writes it).")
    Path legacy;

    @Option(names = "--target", required = true, description = "Target schema (SQL DDL).")
    Path target;

    @Option(names = "--mapping", description = "Mapping file (YAML, see docs/mapping.md); default: the "
        + "configuration's processor.mapping-file.")
    Path mapping;

    @Option(names = {"-c", "--config"}, description = "Your Ferry configuration file (as the services read it, "
        + "FERRY_* overrides included): its settings apply, its connection settings are replaced by the embedded "
        + "stack's.")
    Path config;

    @Option(names = "--relations", defaultValue = "", description = "Header/detail relations, comma-separated, e.g. "
        + "'public.order_details(order_id) -> public.orders(order_id)'; default: the configuration's "
        + "legacy.relations.")
    String relations;

    @Option(names = "--once", description = "Sync, wait until drained, then stop.")
    boolean once;

    @Option(names = "--export", description = "With --once: write every target table as DIR/<table>.csv and every "
        + "dead letter as a JSON line in DIR/dead-letters.jsonl.")
    Path export;

    @Option(names = "--work-dir", description = "Where the embedded stack keeps its files (default: a new temporary "
        + "directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
      final Path dir = workDir != null ? workDir : Files.createTempDirectory("ferry-sandbox-");
      return new dev.ferry.cli.sandbox.Sandbox(System.out, dir).run(new dev.ferry.cli.sandbox.Sandbox.Options(legacy,
          target, mapping, relations, once, export, config)) ? 0 : 1;
    }
  }


  @Command(name = "connector", description = "Capture the legacy database's changes into Kafka.")
  static final class Connector extends ServiceCommand {
    @Override
    public Integer call() throws Exception {
      final FerryConfig c = loadService(EnumSet.of(Role.CONNECTOR), "connector");
      KafkaReachability.awaitWithRegistry(c.connector().kafka());
      final LegacyCapture capture = c.newCapture().start();
      final dev.ferry.ops.OpsServer ops = ServiceOps.connector(c.ops(), capture, out);
      final RunHistory history = historyOf(config);
      record(history, RunHistory.Kind.CONNECTOR_START, "connector " + c.connector().name() + " started",
          Map.of("tables", c.connector().tables()));
      return runUntilStopped(withOps(capture, ops), capture.finished(), failed -> record(history, RunHistory.Kind.CONNECTOR_STOP,
          String.format(Locale.ROOT, "connector %s stopped%s: %,d events published", c.connector().name(),
              failed ? " after a failure" : "", capture.published()),
          Map.of("published", capture.published(), "capturedPerTable", capture.publishedPerTable())));
    }
  }

  @Command(name = "processor", description = "Map and route change events (Kafka Streams).")
  static final class Processor extends ServiceCommand {
    @Override
    public Integer call() throws Exception {
      final FerryConfig c = loadService(EnumSet.of(Role.PROCESSOR), "processor");
      KafkaReachability.awaitWithRegistry(c.processor().kafka());
      final RunHistory history = historyOf(config);
      final String id = c.processor().applicationId();
      // gaps found at the start and while running (records Kafka deleted before the processor read them)
      final StreamProcessor processor = new StreamProcessor(c.processor()).onRecordsLost(gap -> record(history,
          RunHistory.Kind.RECORDS_LOST, gap.historySummary("processor " + id, "read"),
          gap.historyCounts("application", id))).start();
      final dev.ferry.ops.OpsServer ops = ServiceOps.processor(c.ops(), processor, id, out);
      record(history, RunHistory.Kind.PROCESSOR_START, "processor " + id + " started",
          Map.of("mappingVersion", String.valueOf(c.processor().mapping().version())));
      return runUntilStopped(withOps(processor, ops), whenDead(() -> processor.state() != KafkaStreams.State.ERROR
          && processor.state() != KafkaStreams.State.NOT_RUNNING), failed -> record(history,
          RunHistory.Kind.PROCESSOR_STOP, "processor " + c.processor().applicationId() + " stopped"
              + (failed ? " after a failure" : ""), Map.of("state", String.valueOf(processor.state()))));
    }
  }

  @Command(name = "sink", description = "Apply mapped rows to the target database.")
  static final class Sink extends ServiceCommand {
    @Override
    public Integer call() throws Exception {
      final FerryConfig c = loadService(EnumSet.of(Role.SINK), "sink");
      KafkaReachability.awaitWithRegistry(c.sink().kafka());
      final TargetSink sink = new TargetSink(c.sink()).start();
      final dev.ferry.ops.OpsServer ops = ServiceOps.sink(c.ops(), sink, c.sink(), out);
      return runUntilStopped(withOps(sink, ops), whenDead(sink::isRunning));
    }
  }

  @Command(name = "replay", description = "Send dead letters back to the topic each was read from once their cause "
      + "is fixed; one pass over those written so far, resuming after the last pass.")
  static final class Replay extends ServiceCommand {
    @Option(names = "--rule", description = "Only dead letters with this rule (repeatable), e.g. sink.23514.")
    List<String> rules = new ArrayList<>();

    @Option(names = "--table", description = "Only dead letters of this source table, schema.table (repeatable).")
    List<String> tables = new ArrayList<>();

    @Option(names = "--dry-run", description = "Count what would be replayed; send and remember nothing.")
    boolean dryRun;

    @Option(names = "--from-beginning", description = "Consider every dead letter, not only those after the last "
        + "pass.")
    boolean fromBeginning;

    @Option(names = "--accept-old", description = "Replay dead letters older than sink.tombstone-retention too: a "
        + "delete of their row since may be forgotten, so only when none can have been deleted.")
    boolean acceptOld;

    @Override
    public Integer call() {
      final FerryConfig c = FerryConfig.load(config, EnumSet.of(Role.SINK));
      KafkaReachability.awaitWithRegistry(c.sink().kafka());
      new DeadLetterReplay(c.sink()).run(new DeadLetterReplay.Options(
          Set.copyOf(rules), Set.copyOf(tables), dryRun, fromBeginning, acceptOld), System.out);
      return 0;
    }
  }

  @Command(name = "resnapshot", description = "Read legacy tables again while the sync goes on (Debezium's incremental "
      + "snapshot) so that target rows that drifted take the legacy values again; the connector does it when it runs.")
  static final class ResnapshotCommand extends ServiceCommand {
    @Option(names = "--table", required = true, description = "A captured table to read again, schema.table "
        + "(repeatable).")
    List<String> tables = new ArrayList<>();

    @Override
    public Integer call() {
      final FerryConfig c = FerryConfig.loadForConnectorCommand(config);
      KafkaReachability.await(c.connector().kafka());
      Resnapshot.request(c.connector(), List.copyOf(tables), System.out);
      record(historyOf(config), RunHistory.Kind.RESNAPSHOT, "re-snapshot of " + String.join(", ", tables)
          + " requested", Map.of("tables", List.copyOf(tables)));
      return 0;
    }
  }

  @Command(name = "dead-letters", description = "Print every dead letter written so far as a JSON line (Avro fields "
      + "by name, bytes as base64), then a count per stage and rule on standard error.")
  static final class DeadLettersCommand extends ServiceCommand {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      final FerryConfig c = FerryConfig.load(config, EnumSet.of(Role.SINK));
      final var kafka = c.sink().kafka();
      KafkaReachability.awaitWithRegistry(kafka);
      final var topics = kafka.topics(kafka.registry());
      final Map<String, Long> counts = new TreeMap<>();
      final PrintWriter out = spec.commandLine().getOut();
      final long n = DeadLetterExport.write(kafka, topics.deadLetter(), out, counts);
      out.flush();
      final PrintWriter err = spec.commandLine().getErr();
      err.printf(Locale.ROOT, "%,d dead letter(s) on %s%n", n, topics.deadLetter().name());
      counts.forEach((what, k) -> err.printf(Locale.ROOT, "  %s: %,d%n", what, k));
      err.flush();
      return 0;
    }
  }

  @Command(name = "reconcile", description = "Compare the legacy data, passed through the mapping, with the target: "
      + "row counts, sums of numeric columns, and every row by key; each difference tied to the dead letter that "
      + "explains it. Exit 0 only when nothing is unexplained.")
  static final class ReconcileCommand extends ServiceCommand {
    @Option(names = "--report", description = "Directory for reconcile.html and reconcile.json (default: "
        + "ferry-reports/reconcile-<UTC time> under the working directory).")
    Path report;

    @Option(names = "--settle", defaultValue = "10s", description = "How long to wait at least before looking "
        + "again at a table found different, so that rows the sync was still applying are not reported; beside a "
        + "running sync it also waits (at most 5 min) until the sync has applied what the legacy database had "
        + "committed when the table was first read (0s: look once); default ${DEFAULT-VALUE}.")
    String settle;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-dead-letters", description = "Do not read the dead-letter topic (no Kafka needed); every "
        + "difference is then unexplained.")
    boolean noDeadLetters;

    /**
     * The letters that explain differences: the forward dead-letter topic's, and where a reverse direction is set
     * ({@code cutover.reverse-config}) its topic's too, which explain a legacy row left behind after a cutover.
     */
    private Reconciliation.DeadLetterIndexSource letters(final FerryConfig c, final SinkConfig sink) {
      if (noDeadLetters) {
        return Reconciliation.DeadLetterIndexSource.none();
      }
      if (c.reverseConfig() == null) {
        return Reconciliation.DeadLetterIndexSource.topic(sink.kafka(),
            sink.kafka().topics(sink.kafka().registry()).deadLetter());
      }
      return Cutover.deadLetters(sink, Directions.reverseOf(c, config).sink());
    }

    @Override
    public Integer call() throws Exception {
      final FerryConfig c = FerryConfig.load(config, EnumSet.allOf(Role.class));
      final Duration wait;
      try {
        wait = dev.ferry.config.Durations.parse(settle);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--settle: '" + settle + "' is not a duration; "
            + "write a number followed by ms, s, m, h or d, e.g. 10s (0s looks once)");
      }
      final var sink = c.sink();
      final Path report = reportDirectory(this.report, "reconcile");
      // beside a running sync, a table found different is looked at again once the changes in flight have arrived
      final Reconciliation.Inputs inputs = new Reconciliation.Inputs(c.processor().mapping(),
          () -> c.connector().connect(), () -> sink.connect("ferry-reconcile"), sink.versionColumn(), wait,
          noDeadLetters ? ChangesInFlight.NONE : new SyncInFlight(Directions.leg(c)));
      final Reconciliation.Result result = Reconciliation.run(inputs, letters(c, sink), System.out);
      ReconcileReport.write(result, report);
      final RunHistory history = sink.history();
      history.record(RunHistory.Kind.RECONCILE, String.format(Locale.ROOT, "%s: %,d unexplained, %,d explained",
          result.unexplained() == 0 ? "reconciled" : "not reconciled", result.unexplained(), result.explained()),
          result.figures());
      HistoryCommand.page(c, report, !noDeadLetters);
      System.out.printf(Locale.ROOT, "%s: %,d unexplained, %,d explained difference(s); report in %s%n",
          result.unexplained() == 0 ? "RECONCILED" : "NOT RECONCILED", result.unexplained(), result.explained(),
          report.resolve("reconcile.html"));
      System.out.printf(Locale.ROOT, "peak heap used %d MB%n", HeapPeak.megabytes());
      return result.unexplained() == 0 ? 0 : 1;
    }
  }

  @Command(name = "config-docs", description = "Print the configuration reference (Markdown) generated from "
      + "the settings' declarations.")
  static final class ConfigDocsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.print(dev.ferry.config.ConfigDocs.markdown(FerryConfig.ALL));
      return 0;
    }
  }

  @Command(name = "check", description = "Validate a configuration file and its mapping for all three services, "
      + "and the mapping against the legacy and target databases; start nothing.")
  static final class Check extends ServiceCommand {
    @Override
    public Integer call() throws Exception {
      final FerryConfig c = FerryConfig.load(config, EnumSet.allOf(Role.class));
      final boolean databases = c.checkAgainstDatabases();
      if (databases) {
        System.out.println(config + ": OK (the mapping fits the legacy and target databases)");
      } else {
        System.out.println(config + ": OK");
      }
      System.out.println(c.initialLoad());
      if (c.reverseConfig() != null) {
        final FerryConfig reverse = Directions.reverseOf(c, config);
        reverse.checkAgainstDatabases();
        System.out.println(c.reverseConfig() + ": OK (the reverse mapping fits the new and legacy databases)");
        if (databases) {
          roundTrip(c, reverse);
        }
      }
      return 0;
    }

    /** What the round trip legacy -> new -> legacy does to each legacy column, with the reverse mapping in use. */
    private static void roundTrip(final FerryConfig forward, final FerryConfig reverse) throws java.io.IOException {
      final var draft = Directions.reverseMapping(forward, System.out);
      final var findings = dev.ferry.cutover.ReverseMapping.roundTrip(draft, reverse.processor().mapping());
      final Map<dev.ferry.cutover.ReverseMapping.Restored, Long> counts = new TreeMap<>();
      findings.forEach(f -> counts.merge(f.restored(), 1L, Long::sum));
      System.out.printf(Locale.ROOT, "round trip legacy -> new -> legacy: %d legacy columns exact, %d lossy, %d not "
          + "restored%n", counts.getOrDefault(dev.ferry.cutover.ReverseMapping.Restored.EXACT, 0L),
          counts.getOrDefault(dev.ferry.cutover.ReverseMapping.Restored.LOSSY, 0L),
          counts.getOrDefault(dev.ferry.cutover.ReverseMapping.Restored.NOT_RESTORED, 0L));
      findings.stream().filter(f -> f.restored() != dev.ferry.cutover.ReverseMapping.Restored.EXACT)
          .forEach(f -> System.out.println("  " + f));
      draft.rowNotes().forEach(n -> System.out.println("  " + n));
    }
  }
}
