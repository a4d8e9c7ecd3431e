package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServiceCommandTest {
  @Test
  void aSignOffReportGoesWhereItIsToldOrIntoANewDirectoryPerRun() {
    assertThat(ServiceCommand.reportDirectory(Path.of("out"), "reconcile")).isEqualTo(Path.of("out"));
    final Path chosen = ServiceCommand.reportDirectory(null, "reconcile");
    assertThat(chosen.getParent()).isEqualTo(Path.of("ferry-reports"));
    assertThat(chosen.getFileName().toString()).matches("reconcile-20[0-9]{6}-[0-9]{6}");
    assertThat(ServiceCommand.reportDirectory(null, "audit").getFileName().toString()).startsWith("audit-");
  }
}
