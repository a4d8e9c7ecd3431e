package dev.ferry.cli;

import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.Secrets;
import dev.ferry.connector.ReplicaIdentity;
import dev.ferry.connector.ReplicaIdentityPolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

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
  public static boolean run(final FerryConfig config, final String legacyUrl, final String legacyUser,
      final String legacyPassword) {
    if (config.processor() == null || config.sink() == null || legacyUrl == null) {
      return false;
    }
    final List<ConfigProblem> problems = new ArrayList<>();
    try (Connection legacy = connect(legacyUrl, legacyUser, legacyPassword);
        Connection target = connect(config.sink().jdbcUrl(), config.sink().user(), config.sink().password())) {
      problems.addAll(MappingSchemaCheck.check(config.processor().mapping(), legacy, target,
          config.sink().versionColumn(), config.processor().kafka().partitions()));
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

  private static Connection connect(final String url, final String user, final String password)
      throws SQLException {
    final Properties p = new Properties();
    p.put("user", user);
    p.put("password", password);
    p.put("connectTimeout", "10");
    return DriverManager.getConnection(url, p);
  }
}
