package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.config.ConfigException;
import dev.ferry.config.ConfigProblem;
import dev.ferry.config.ConfigSource;
import dev.ferry.connector.LegacyCapture;
import dev.ferry.connector.LogicalDecoding;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A legacy server nobody prepared for Ferry: its wal_level not logical, the capture's user without the right to
 * replicate. The capture refuses to start, and {@code ferry check} reports it, naming the statement that fixes it,
 * before any topic is made or any row loaded (Debezium and the direct load found both only later, in their own words).
 */
class LegacyServerNotPreparedIT {
  private static final String ROLE = "ferry_no_replication";
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aUserThatMayNotReplicateIsRefusedAtStartWithTheStatementThatFixesIt() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_not_prepared");
    try (Connection c = env.legacy()) {
      TestDatabases.exec(c, "DO $$ BEGIN CREATE ROLE " + ROLE + " LOGIN NOSUPERUSER NOREPLICATION; EXCEPTION WHEN "
          + "duplicate_object THEN NULL; END $$");
      TestDatabases.exec(c, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + ROLE);
    }
    final ConfigSource source = env.source().with("legacy.user", ROLE, "test");
    final FerryConfig config = FerryConfig.resolve(source, EnumSet.allOf(Role.class), work.resolve("run"));
    final LegacyCapture capture = config.newCapture();
    try {
      assertThatThrownBy(capture::start).isInstanceOf(ConfigException.class)
          .hasMessageContaining("legacy.user = '" + ROLE + "': this user may not replicate")
          .hasMessageContaining("ALTER ROLE " + ROLE + " REPLICATION");
    } finally {
      capture.close();
    }
    final long topics;
    try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers",
        stack.kafka().bootstrapServers()))) {
      topics = admin.listTopics().names().get().stream().filter(t -> t.startsWith(config.connector().kafka()
          .topicPrefix() + ".")).count();
    }
    assertThat(topics).as("topics made before the refusal").isZero();
    assertThatThrownBy(() -> DatabaseCheck.run(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("this user may not replicate");
  }

  /**
   * wal_level needs a server restart to change, so the embedded servers (logical) cannot show it; the machine's own
   * PostgreSQL on 127.0.0.1:5432 runs with the default, replica, where it exists.
   */
  @Test
  void aServerWithoutLogicalDecodingIsNamedWithTheSettingToChange() throws Exception {
    final Properties p = new Properties();
    p.put("user", "postgres");
    p.put("connectTimeout", "3");
    Connection c = null;
    try {
      c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", p);
    } catch (SQLException e) {
      assumeTrue(false, "no PostgreSQL answers on 127.0.0.1:5432 as postgres (" + e.getMessage() + "): skipped");
    }
    try (Connection machine = c) {
      final String level = TestDatabases.text(machine, "SELECT current_setting('wal_level')");
      assumeTrue(!"logical".equals(level), "the PostgreSQL on 127.0.0.1:5432 runs with wal_level logical: skipped");
      final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_no_logical");
      final FerryConfig config = FerryConfig.resolve(env.source().with("legacy.host", "127.0.0.1", "test")
          .with("legacy.port", "5432", "test").with("legacy.database", "postgres", "test")
          .with("legacy.user", "postgres", "test"), EnumSet.of(Role.CONNECTOR), work.resolve("run"));
      final List<ConfigProblem> problems = LogicalDecoding.problems(machine, config.connector());
      assertThat(problems).hasSize(1);
      assertThat(problems.get(0).toString()).isEqualTo("(legacy server 127.0.0.1:5432/postgres): its wal_level is '"
          + level + "', and a capture reads changes by logical decoding, which needs wal_level = logical: run ALTER "
          + "SYSTEM SET wal_level = logical on it and restart it (on a managed server: its parameter for logical "
          + "replication, such as rds.logical_replication = 1 or cloudsql.logical_decoding = on)");
    }
  }
}
