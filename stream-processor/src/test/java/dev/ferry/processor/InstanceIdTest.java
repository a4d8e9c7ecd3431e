package dev.ferry.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.processor.mapping.MappingFile;
import dev.ferry.schemas.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor's static-membership name: kept across restarts, one per state directory. */
class InstanceIdTest {
  @TempDir
  Path dir;

  private static ProcessorConfig config(final Path stateDir) {
    return new ProcessorConfig(new KafkaSettings("k:9092", "http://r", "t", 1, (short) 1, List.of()), "app", stateDir,
        MappingFile.parse(TopologyFixture.MAPPING, "m.yaml"), ProcessingGuarantee.EXACTLY_ONCE, Duration.ofMillis(100), 1,
        Duration.ofHours(1), Duration.ofMinutes(1), 1000, Duration.ofMinutes(10), true,
        dev.ferry.schemas.LiveDirection.Settings.DEFAULT);
  }

  @Test
  void aRestartedProcessorKeepsItsNameAndAnotherStateDirectoryGetsItsOwn() {
    final String first = StreamProcessor.instanceId(config(dir.resolve("a")));
    assertThat(first).startsWith("app-");
    assertThat(StreamProcessor.instanceId(config(dir.resolve("a")))).isEqualTo(first);
    assertThat(StreamProcessor.instanceId(config(dir.resolve("b")))).startsWith("app-").isNotEqualTo(first);
  }
}
