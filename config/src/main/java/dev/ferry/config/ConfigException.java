package dev.ferry.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in one configuration, reported together so the user can fix them in one pass. */
public final class ConfigException extends RuntimeException {
  private final transient List<ConfigProblem> problems;

  public ConfigException(final List<ConfigProblem> problems) {
    super(problems.size() + (problems.size() == 1 ? " configuration problem" : " configuration problems")
        + ":\n" + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order found; never empty. */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
