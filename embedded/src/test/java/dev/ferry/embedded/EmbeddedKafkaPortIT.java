package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port probed free and taken by someone else before the broker binds it (another test JVM's stack, an outgoing
 * connection) does not keep the embedded broker from starting: it starts again on other ports.
 */
class EmbeddedKafkaPortIT {
  @TempDir
  Path work;

  @Test
  void aTakenListenerPortIsLeftForAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      final AtomicInteger handed = new AtomicInteger();
      // the broker's own listener is the first port asked for
      final IntSupplier ports = () -> handed.getAndIncrement() == 0 ? taken.getLocalPort() : FreePort.pick();
      try (EmbeddedKafka kafka = EmbeddedKafka.start(work, ports);
          Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
        assertThat(handed.get()).as("ports asked for: three, then three again").isEqualTo(6);
        assertThat(kafka.bootstrapServers()).isNotEqualTo("127.0.0.1:" + taken.getLocalPort());
        assertThat(admin.describeCluster().nodes().get()).as("the broker serves").hasSize(1);
        assertThat(admin.listTopics().names().get()).isEqualTo(Set.of());
      }
    }
  }

  /**
   * The controller's listener taken: Kafka's fault handler asked to end the process (the whole test JVM went with it,
   * "The forked VM terminated without properly saying goodbye"); the start is tried again on other ports instead.
   */
  @Test
  void aTakenControllerPortIsLeftForAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      final AtomicInteger handed = new AtomicInteger();
      // the broker's listener first, then the controller's
      final IntSupplier ports = () -> handed.getAndIncrement() == 1 ? taken.getLocalPort() : FreePort.pick();
      try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("controller"), ports);
          Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
        assertThat(handed.get()).as("ports asked for: three, then three again").isEqualTo(6);
        assertThat(admin.describeCluster().nodes().get()).as("the broker serves").hasSize(1);
      }
    }
  }
}
