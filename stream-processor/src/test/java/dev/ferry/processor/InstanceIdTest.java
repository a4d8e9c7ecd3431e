package dev.ferry.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor's static-membership name: kept across restarts, one per state directory. */
class InstanceIdTest {
  @TempDir
  Path dir;

  private static ProcessorConfig config(final Path stateDir) {
    return TopologyFixture.serviceConfig(new KafkaSettings("k:9092", "http://r", "t", 1, (short) 1, List.of()),
        stateDir);
  }

  @Test
  void aRestartedProcessorKeepsItsNameAndAnotherStateDirectoryGetsItsOwn() {
    final String first = StreamProcessor.instanceId(config(dir.resolve("a")));
    assertThat(first).startsWith("app-");
    assertThat(StreamProcessor.instanceId(config(dir.resolve("a")))).isEqualTo(first);
    assertThat(StreamProcessor.instanceId(config(dir.resolve("b")))).startsWith("app-").isNotEqualTo(first);
  }
}
