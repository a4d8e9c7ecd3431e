package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.YamlNode;
import dev.ferry.cutover.LegacyCatalog;
import dev.ferry.cutover.Leg;
import dev.ferry.cutover.ReverseMapping;
import dev.ferry.processor.mapping.Mapping;
import dev.ferry.schemas.LiveDirection.Direction;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The two directions of a sync, from their configurations: the reverse configuration a forward one names, each as
 * the cutover's {@link Leg}, and the reverse mapping drafted from the forward one. Shared by {@code ferry cutover},
 * {@code ferry mapping reverse} and the cutover demo.
 */
public final class Directions {
  private Directions() {
  }

  /**
   * The reverse configuration {@code forward} (read from {@code file}) names, checked to be the other direction of
   * the same sync.
   *
   * @throws ConfigException naming what does not fit
   */
  static FerryConfig reverseOf(final FerryConfig forward, final Path file) {
    final List<ConfigProblem> problems = new ArrayList<>();
    if (forward.reverseConfig() == null) {
      throw new ConfigException(List.of(new ConfigProblem("cutover.reverse-config", "", file.toString(),
          "is not set; name the reverse direction's configuration file (new system to legacy) to cut over")));
    }
    final FerryConfig reverse = FerryConfig.load(forward.reverseConfig(), EnumSet.allOf(Role.class));
    if (forward.sink().control().direction() != Direction.FORWARD) {
      problems.add(new ConfigProblem("cutover.direction", forward.sink().control().direction().id(), file.toString(),
          "the configuration ferry cutover reads is the forward one; expected forward"));
    }
    if (reverse.sink().control().direction() != Direction.REVERSE) {
      problems.add(new ConfigProblem("cutover.direction", reverse.sink().control().direction().id(),
          forward.reverseConfig().toString(), "the reverse configuration must say cutover.direction: reverse"));
    }
    if (!reverse.sink().control().topic().equals(forward.sink().control().topic())) {
      problems.add(new ConfigProblem("cutover.control-topic", reverse.sink().control().topic(),
          forward.reverseConfig().toString(), "both directions must share one control topic; the forward one names "
              + forward.sink().control().topic()));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return reverse;
  }

  /** {@code c} (every role resolved) as one direction of the cutover. */
  public static Leg leg(final FerryConfig c) {
    return new Leg(c.sink().control().direction(), c.connector(), c.processor(), c.sink(), () -> {
      try {
        c.checkAgainstDatabases();
        return List.of();
      } catch (ConfigException e) {
        return e.problems().stream().map(ConfigProblem::toString).toList();
      }
    });
  }

  /**
   * The reverse of {@code c}'s mapping, drafted with both databases' catalogs where they can be read; what cannot be
   * read is said on {@code notes}.
   */
  public static ReverseMapping.Draft reverseMapping(final FerryConfig c, final PrintStream notes) throws IOException {

    final Mapping forward = c.processor().mapping();
    final YamlNode file;
    try (Reader in = Files.newBufferedReader(c.mappingFile())) {
      file = YamlNode.parse(in, c.mappingFile().getFileName().toString());
    }
    LegacyCatalog catalog = LegacyCatalog.NONE;
    try (Connection legacy = c.connector().connect()) {
      catalog = LegacyCatalog.read(legacy, forward.sourceTables());
    } catch (SQLException e) {
      notes.println("the legacy database cannot be read (" + e.getMessage() + "): drafted from the mapping "
          + "alone, without the legacy columns it does not read or their types");
    }
    String newSchema = "public";
    try (Connection target = c.sink().connect("ferry")) {
      newSchema = target.getSchema() != null ? target.getSchema() : target.getCatalog();
    } catch (SQLException e) {
      notes.println("the target database cannot be read (" + e.getMessage() + "): its tables are taken to be in "
          + "schema public");
    }
    return ReverseMapping.draft(file, forward, newSchema, catalog);
  }
}
