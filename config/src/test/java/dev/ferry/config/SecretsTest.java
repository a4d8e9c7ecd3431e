package dev.ferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretsTest {
  private static final Setting<String> URL = Setting.string("target.jdbc-url", "target", null, "JDBC URL.");
  private static final Setting<String> PASSWORD = Setting.string("legacy.password", "legacy", "", "Password.");

  @Test
  void passwordsInJdbcUrlsAreHidden() {
    assertThat(Secrets.redactUrl("jdbc:postgresql://db:5432/app?user=ferry&password=s3cr3t&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/app?user=ferry&password=***&ssl=true");
    assertThat(Secrets.redactUrl("jdbc:mariadb://db/app?user=ferry&PASSWORD=s3cr3t"))
        .isEqualTo("jdbc:mariadb://db/app?user=ferry&PASSWORD=***");
    assertThat(Secrets.redactUrl("jdbc:postgresql://db/app?sslpassword=k3y;password=x"))
        .doesNotContain("k3y").doesNotContain("=x");
    assertThat(Secrets.redactUrl("postgresql://ferry:s3cr3t@db:5432/app")).isEqualTo("postgresql://ferry:***@db:5432/app");
    assertThat(Secrets.redactUrl("jdbc:postgresql://db:5432/app")).isEqualTo("jdbc:postgresql://db:5432/app");
  }

  @Test
  void secretKeysAreRecognisedByName() {
    assertThat(List.of("legacy.password", "legacy.pasword", "target.passwd", "processor.pseudonymization-key",
        "kafka.sasl-token", "x.secret")).allMatch(Secrets::isSecretKey);
    assertThat(List.of("legacy.host", "target.jdbc-url", "sink.batch-size", "topics.prefix", "legacy.user"))
        .noneMatch(Secrets::isSecretKey);
  }

  @Test
  void aMistypedPasswordKeyOrAPasswordInAUrlNeverReachesTheErrorMessage() {
    final String yaml = "legacy:\n  pasword: hunter2\ntarget:\n  jdbc-url: jdbc:postgresql://db/app?password=hunter3\n"
        + "  jdbc-urll: jdbc:postgresql://db/app?password=hunter4\n";
    assertThatThrownBy(() -> Config.resolve(ConfigSource.fromYaml(yaml, "f.yaml"), List.of(URL, PASSWORD), List.of()))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.getMessage()).doesNotContain("hunter");
          assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactlyInAnyOrder(
              "f.yaml:2: legacy.pasword = '***': unknown key; did you mean 'legacy.password'?",
              "f.yaml:5: target.jdbc-urll = 'jdbc:postgresql://db/app?password=***': unknown key; "
                  + "did you mean 'target.jdbc-url'?");
        });
  }
}
