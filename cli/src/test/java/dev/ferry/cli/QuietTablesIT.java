package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.cli.demo.DemoEnvironment;
import dev.ferry.cli.demo.RowCounts;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.embedded.SharedStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The captured tables stay quiet while the rest of the legacy database is busy (here: 64 MB written to a table
 * Ferry does not capture). The replication slot must not keep that WAL: the capture's heartbeat makes it confirm
 * its position. Without the heartbeat, the slot kept all of it, and the legacy disk would fill.
 */
class QuietTablesIT {
  private static final long WRITTEN = 64L << 20;
  private final EmbeddedStack stack = SharedStack.get();

  @TempDir
  Path work;

  @Test
  void aSlotOnQuietTablesInABusyDatabaseDoesNotKeepTheWalTheOtherTablesWrite() throws Exception {
    final DemoEnvironment env = DemoEnvironment.create(stack, work, "it_quiet");
    final FerryConfig config = FerryConfig.resolve(env.source().with("connector.heartbeat-interval", "1s", "test"),
        EnumSet.allOf(Role.class), work.resolve("it_quiet"));
    try (Pipeline pipeline = new Pipeline(config).start(); Connection legacy = env.legacy();
        Connection target = env.target()) {
      await().atMost(Duration.ofMinutes(3)).until(() -> RowCounts.of(legacy, target).match());
      await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.capture().retainedWalBytes() >= 0);

      try (Statement s = legacy.createStatement()) {
        s.execute("CREATE TABLE busy (id bigserial PRIMARY KEY, payload text NOT NULL)");
        // 64 rows of 1 MB each (incompressible enough: md5 text), one transaction per 8 rows
        for (int round = 0; round < 8; round++) {
          s.execute("INSERT INTO busy (payload) SELECT string_agg(md5(random()::text || g), '') "
              + "FROM generate_series(1, 32768) g, generate_series(1, 8) r GROUP BY r");
        }
      }
      final long[] retained = {Long.MAX_VALUE};
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        retained[0] = pipeline.capture().retainedWalBytes();
        assertThat(retained[0]).as("WAL bytes the slot keeps after %d MB written elsewhere", WRITTEN >> 20)
            .isLessThan(WRITTEN / 4);
      });
      assertThat(pipeline.sink().failed()).isZero();
    }
  }
}
