package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.config.ConfigDocs;
import dev.ferry.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What users read stays true to the code: the configuration reference and the compose file's variables. */
class DocumentationTest {
  @Test
  void configurationReferenceIsGeneratedFromTheDeclarations() throws Exception {
    assertThat(Files.readString(Path.of("../docs/configuration.md")))
        .as("docs/configuration.md is stale: run scripts/ferry config-docs > docs/configuration.md")
        .isEqualTo(ConfigDocs.markdown(FerryConfig.ALL));
  }

  @Test
  void everyFerryVariableInTheComposeFileIsAKnownSetting() throws Exception {
    final String compose = Files.readString(Path.of("../docker-compose.yml"));
    final var known = FerryConfig.ALL.stream().map(Setting::environmentVariable).collect(Collectors.toSet());
    final Matcher m = Pattern.compile("\\b(FERRY_[A-Z0-9_]+):").matcher(compose);
    int found = 0;
    while (m.find()) {
      found++;
      assertThat(known).as("compose variable %s", m.group(1)).contains(m.group(1));
    }
    assertThat(found).isGreaterThanOrEqualTo(3);
    assertThat(compose).contains("\"connector\", \"--config\"", "\"processor\", \"--config\"",
        "\"sink\", \"--config\"");
  }
}
