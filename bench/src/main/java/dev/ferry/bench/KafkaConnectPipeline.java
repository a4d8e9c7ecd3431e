package dev.ferry.bench;

import dev.ferry.embedded.EmbeddedDatabase;
import dev.ferry.embedded.EmbeddedStack;
import dev.ferry.schemas.KafkaSettings;
import dev.ferry.schemas.TopicCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline a team would otherwise assemble for the same migration: Debezium's PostgreSQL source connector
 * and Debezium's JDBC sink connector, each on a Kafka Connect standalone worker in its own JVM (the source on
 * the Debezium 3.6.3 that Ferry embeds, the sink on 3.5.0, the JDBC sink that resolves here; {@link
 * KafkaConnectWorker}), upserts by the record key into tables of the legacy shape ({@link #TARGET}). Heaps as
 * Ferry's services have them: 512 MB.
 * The target has no foreign key from lines to orders here (Ferry's has): the JDBC sink writes each topic on
 * its own and would be refused lines whose order is on another topic not yet written; that is in its favour.
 */
final class KafkaConnectPipeline implements AutoCloseable {
  /** The legacy tables' shape, in the target: the JDBC sink maps columns by name and does not rename. */
  static final String TARGET = BenchPipeline.LEGACY.replace(" REFERENCES orders", "");
  private static final String HEAP = "-Xmx512m";
  private static final int PARTITIONS = 3;
  private static final int BATCH = 5000;

  private final List<Process> workers = new ArrayList<>();

  /** Starts the source worker, then the sink worker, for legacy database {@code legacyDb} into {@code targetDb}. */
  KafkaConnectPipeline(final EmbeddedStack stack, final Path work, final String legacyDb, final String targetDb)
      throws Exception {
    final String bootstrap = stack.kafka().bootstrapServers();
    // the broker creates no topic on first use; as many partitions as Ferry's topics have by default
    TopicCreator.ensure(new KafkaSettings(bootstrap, stack.registry().url(), "kc", PARTITIONS, (short) 1),
        List.of("kc.public.orders", "kc.public.order_lines"), PARTITIONS, Set.of());
    final Path source = work.resolve("kc-source.properties");
    Files.writeString(source, String.join("\n",
        "name=kc-source",
        "connector.class=io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max=1",
        "plugin.name=pgoutput",
        "database.hostname=" + stack.legacy().host(),
        "database.port=" + stack.legacy().port(),
        "database.dbname=" + legacyDb,
        "database.user=" + EmbeddedDatabase.USER,
        "database.password=",
        "topic.prefix=kc",
        "table.include.list=public.orders,public.order_lines",
        "slot.name=kc",
        "publication.name=kc",
        "publication.autocreate.mode=filtered",
        "snapshot.mode=initial", ""));
    final Path sink = work.resolve("kc-sink.properties");
    Files.writeString(sink, String.join("\n",
        "name=kc-sink",
        "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector",
        // one task per partition, as in scripts/bench sink: Kafka Connect's own way to run a sink in parallel
        "tasks.max=" + PARTITIONS,
        "topics=kc.public.orders,kc.public.order_lines",
        "connection.url=" + stack.target().jdbcUrl(targetDb),
        "connection.username=" + EmbeddedDatabase.USER,
        "connection.password=",
        "insert.mode=upsert",
        "delete.enabled=true",
        "primary.key.mode=record_key",
        "schema.evolution=none",
        "batch.size=" + BATCH,
        "use.reduction.buffer=true",
        // kc.public.orders -> orders
        "transforms=route",
        "transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex=kc\\\\.public\\\\.(.*)",
        "transforms.route.replacement=$1", ""));
    workers.add(KafkaConnectWorker.start(HEAP, System.getProperty("ferry.cli.classpath"),
        KafkaConnectWorker.properties(work, "kc-source", bootstrap, BATCH), source, work.resolve("kc-source.log")));
    workers.add(KafkaConnectWorker.start(HEAP, System.getProperty("ferry.bench.classpath"),
        KafkaConnectWorker.properties(work, "kc-sink", bootstrap, BATCH), sink, work.resolve("kc-sink.log")));
  }

  /** True while both workers run; a worker that exited has failed (its log says why). */
  boolean alive() {
    return workers.stream().allMatch(Process::isAlive);
  }

  /** CPU seconds of the two workers so far. */
  double cpuSeconds() {
    return workers.stream().mapToDouble(p -> CpuTime.process(p.pid())).sum();
  }

  @Override
  public void close() throws Exception {
    for (final Process p : workers) {
      p.destroy();
    }
    for (final Process p : workers) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
