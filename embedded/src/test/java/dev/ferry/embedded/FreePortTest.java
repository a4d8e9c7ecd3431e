package dev.ferry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Ports of one process are never handed out twice, though the operating system offers a closed probe's port again. */
class FreePortTest {
  @Test
  void twoThousandPicksAreTwoThousandDifferentPorts() {
    // with the operating system's random choice among ~28,000 ephemeral ports, 2,000 probes repeat a port almost
    // surely (the birthday bound): what made an embedded broker get two listeners on one port
    final Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      assertThat(ports.add(FreePort.pick())).as("pick %d", i).isTrue();
    }
  }
}
