package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Secrets;
import dev.ferry.connector.AppendOnlyTables;
import dev.ferry.connector.LogicalDecoding;
import dev.ferry.connector.ReplicaIdentity;
import dev.ferry.connector.ReplicaIdentityPolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link MappingSchemaCheck} with whatever connections a configuration gives: the mapping is
 * checked against the legacy and target databases when both are configured. A database that cannot be
 * reached is a problem too, reported with its URL.
 */
public final class DatabaseCheck {
  private DatabaseCheck() {
  }

  /**
   * Checks {@code config}'s mapping against its databases.
   *
   * @return false when the configuration lacks what the check needs (it is then skipped)
   * @throws ConfigException listing every problem
   */
  public static boolean run(final FerryConfig config) {
    if (config.processor() == null || config.sink() == null || config.connector() == null) {
      return false;
    }
    final List<ConfigProblem> problems = new ArrayList<>();
    try (Connection legacy = config.connector().connect(); Connection target = config.sink().connect("ferry-check")) {
      problems.addAll(MappingSchemaCheck.check(config.processor().mapping(), legacy, target,
          config.sink().versionColumn(), config.processor().kafka().partitions(),
          java.util.Set.copyOf(config.connector().appendOnly())));
      problems.addAll(AppendOnlyTables.problems(legacy, config.connector()));
      problems.addAll(LogicalDecoding.problems(legacy, config.connector()));
      if (config.connector() != null && config.connector().replicaIdentity() == ReplicaIdentityPolicy.CHECK) {
        // with set-full the connector closes these gaps itself when it starts
        for (final ReplicaIdentity.Gap g : ReplicaIdentity.gaps(legacy, config.connector().kafka().relations())) {
          problems.add(new ConfigProblem("legacy.relations", g.relation().child(), null, g.describe()));
        }
      }
    } catch (SQLException e) {
      problems.add(new ConfigProblem("(database)", null, null, "cannot check the mapping against the databases: "
          + Secrets.redactUrl(e.getMessage())));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return true;
  }
}
