package dev.ferry.cli;

import dev.ferry.config.YamlNode;
import dev.ferry.cutover.LegacyCatalog;
import dev.ferry.cutover.ReverseMapping;
import dev.ferry.processor.mapping.Mapping;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry mapping}: work on the mapping file. */
@Command(name = "mapping", description = "Work on the mapping file.", subcommands = MappingCommand.Reverse.class)
final class MappingCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  /**
   * {@code ferry mapping reverse}: drafts the reverse mapping (new system to legacy) from the configuration's
   * forward mapping, reading both databases' catalogs where it can reach them; the draft goes to {@code --out} or
   * standard output, what its round trip does to each legacy column to standard error.
   */
  @Command(name = "reverse", description = "Draft the reverse mapping (the new system back into the legacy one, for "
      + "the sync after cutover) from the forward mapping: every step that can be inverted is, and every legacy column "
      + "says whether the round trip restores it exactly, lossily (how) or not at all (why). Review it before use.")
  static final class Reverse extends ServiceCommand {
    @Option(names = "--out", description = "Write the draft here (default: standard output).")
    Path out;

    @Override
    public Integer call() throws Exception {
      final FerryConfig c = FerryConfig.load(config, EnumSet.allOf(Role.class));
      final ReverseMapping.Draft draft = Directions.reverseMapping(c, System.err);
      if (out == null) {
        System.out.print(draft.yaml());
      } else {
        Files.writeString(out, draft.yaml());
      }
      final Map<ReverseMapping.Restored, Long> counts = new EnumMap<>(ReverseMapping.Restored.class);
      draft.findings().forEach(f -> counts.merge(f.restored(), 1L, Long::sum));
      System.err.printf("reverse of %s drafted%s: legacy columns exact %d, lossy %d, not restored %d%n",
          c.mappingFile().getFileName(), out == null ? "" : " in " + out,
          counts.getOrDefault(ReverseMapping.Restored.EXACT, 0L), counts.getOrDefault(ReverseMapping.Restored.LOSSY, 0L),
          counts.getOrDefault(ReverseMapping.Restored.NOT_RESTORED, 0L));
      final List<String> review = draft.review();
      if (!review.isEmpty()) {
        System.err.println("to review before use:");
        review.forEach(r -> System.err.println("  " + r));
      }
      return 0;
    }
  }

}
