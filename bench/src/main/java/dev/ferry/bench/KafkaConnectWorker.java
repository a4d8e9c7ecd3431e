package dev.ferry.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Kafka Connect standalone worker as the benchmarks run the peers on one: JSON with schemas on the topics
 * (Confluent's Avro converter is not on Maven Central), offsets in a file, a REST port of the system's choosing,
 * in its own JVM with a fixed heap touched at start (Ferry's services' heap policy) plus
 * {@code BENCH_CONNECT_JVM_OPTS}.
 */
final class KafkaConnectWorker {
  private KafkaConnectWorker() {
  }

  /** Writes worker {@code name}'s properties under {@code work}; its consumers poll up to {@code maxPollRecords}. */
  static Path properties(final Path work, final String name, final String bootstrap, final int maxPollRecords)
      throws Exception {
    final Path worker = work.resolve(name + "-worker.properties");
    Files.writeString(worker, String.join("\n",
        "bootstrap.servers=" + bootstrap,
        "key.converter=org.apache.kafka.connect.json.JsonConverter",
        "value.converter=org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable=true",
        "value.converter.schemas.enable=true",
        "offset.storage.file.filename=" + work.resolve(name + ".offsets"),
        "listeners=http://127.0.0.1:0",
        "consumer.max.poll.records=" + maxPollRecords,
        "consumer.auto.offset.reset=earliest", ""));
    return worker;
  }

  /** Starts a worker running {@code connector} on {@code classpath}, with heap {@code -Xmx..}, logging to {@code log}. */
  static Process start(final String heap, final String classpath, final Path worker, final Path connector,
      final Path log) throws Exception {
    final List<String> jvm = new ArrayList<>(List.of(heap, heap.replace("-Xmx", "-Xms"), "-XX:+AlwaysPreTouch"));
    jvm.addAll(ServiceProcesses.optionsFromEnvironment("BENCH_CONNECT_JVM_OPTS"));
    jvm.addAll(List.of("-cp", classpath, "org.apache.kafka.connect.cli.ConnectStandalone", worker.toString(),
        connector.toString()));
    return ServiceProcesses.start(jvm, log);
  }
}
