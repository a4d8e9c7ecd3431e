package dev.ferry.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.config.Config;
import dev.ferry.config.ConfigSource;
import dev.ferry.config.Setting;
import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition of an append-only log made while the capture runs (next month's) lacks {@code REPLICA IDENTITY FULL},
 * and PostgreSQL would refuse the legacy application's UPDATEs and DELETEs in it once the publication carries it: the
 * capture's look once a minute ({@link SlotWatch}) names it under {@code connector.replica-identity: check}, leaving
 * the legacy table alone, and sets it under {@code set-full}, after which a DELETE in the partition is taken.
 */
class AppendOnlyPartitionsIT {
  @TempDir
  Path work;

  @Test
  void aPartitionMadeLaterIsNamedOrGivenItsReplicaIdentity() throws Exception {
    try (EmbeddedDatabase server = EmbeddedDatabase.start(work, "append-only-partitions")) {
      final String db = "legacy";
      server.createDatabase(db);
      try (Connection c = server.connect(db); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE visit_log (at timestamp NOT NULL, page text) PARTITION BY RANGE (at)");
        s.execute("CREATE TABLE visit_log_2026 PARTITION OF visit_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        s.execute("ALTER TABLE visit_log REPLICA IDENTITY FULL");
        s.execute("ALTER TABLE visit_log_2026 REPLICA IDENTITY FULL");
        s.execute("CREATE PUBLICATION watched FOR TABLE visit_log WITH (publish_via_partition_root = true)");

        assertThat(look(server, db, "check")).as("every part FULL").isEmpty();
        s.execute("CREATE TABLE visit_log_2027 PARTITION OF visit_log FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
        s.execute("INSERT INTO visit_log VALUES ('2027-02-01', '/home')");
        assertThat(look(server, db, "check")).containsExactly("public.visit_log_2027");
        assertThat(identity(c, "visit_log_2027")).as("left as it was").isEqualTo("d");
        assertThatThrownBy(() -> s.executeUpdate("DELETE FROM visit_log WHERE at = '2027-02-01'"))
            .as("what the legacy application meets meanwhile").hasMessageContaining("replica identity");

        assertThat(look(server, db, "set-full")).isEmpty();
        assertThat(identity(c, "visit_log_2027")).isEqualTo("f");
        assertThat(s.executeUpdate("DELETE FROM visit_log WHERE at = '2027-02-01'")).as("the legacy delete, taken")
            .isOne();
        assertThat(look(server, db, "check")).isEmpty();
      }
    }
  }

  /** One look of a capture of {@code db} that declares visit_log append-only, with the policy given. */
  private static List<String> look(final EmbeddedDatabase server, final String db, final String policy) {
    final List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(ConnectorConfig.SETTINGS);
    final ConnectorConfig config = ConnectorConfig.from(Config.resolve(ConfigSource.fromYaml("""
        kafka: {bootstrap-servers: "127.0.0.1:9"}
        registry: {url: "http://127.0.0.1:9"}
        legacy: {host: %s, port: %d, database: %s, tables: [public.visit_log], append-only: [public.visit_log]}
        connector: {replica-identity: %s}
        """.formatted(server.host(), server.port(), db, policy), "f.yaml"), all, List.of()), Map.of());
    try (SlotWatch watch = new SlotWatch(config, lost -> { })) {
      watch.look();
      assertThat(watch.unreachable()).isNull();
      return watch.appendOnlyGaps();
    }
  }

  private static String identity(final Connection c, final String table) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT relreplident FROM pg_class WHERE relname = '" + table + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
